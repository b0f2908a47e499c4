"""Property-based fuzzing of suite files: mutate suites/quick.yaml (keys removed, renamed or
added, types swapped, hostile values, YAML aliases, tags, broken indentation, binary bytes)
and check that every outcome is either a valid plan or problems that each name file:line —
through ``load_suite`` and through ``bench run --dry-run`` — never a traceback or a hang.

Deterministic (``derandomize``) and sized to run in well under a minute on a 2-core CPU.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.run.plan import plan_cells
from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from tests.support import REPO

QUICK = yaml.safe_load((REPO / "suites" / "quick.yaml").read_text())
EXAMPLES = 200

hostile_numbers = st.one_of(
    st.sampled_from([0, -1, 1, 2**31, 2**32, 2**63, 2**64, 10**30, -(10**30)]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e12, 1e-300, 0.5]),
)
hostile_values = st.one_of(
    hostile_numbers,
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", "1e3", "zoo:nope", "os:system", "builtins:min", "../../etc/passwd"]),
    st.lists(hostile_numbers, max_size=4),
    st.dictionaries(st.text(max_size=6), hostile_numbers, max_size=3),
)


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``data`` (mapping keys and list indices)."""
    if isinstance(data, dict):
        children = list(data.items())
    elif isinstance(data, list):
        children = list(enumerate(data))
    else:
        return []
    return [p for key, value in children for p in [(*prefix, key), *paths(value, (*prefix, key))]]


def parent_of(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_data(draw) -> Any:
    """quick.yaml's data after up to three structural mutations."""
    data = copy.deepcopy(QUICK)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(paths(data)))
        parent, last = parent_of(data, path), path[-1]
        kind = draw(st.sampled_from(["remove", "rename", "add", "replace", "wrap", "stringify"]))
        if kind == "remove":
            del parent[last]
        elif kind == "rename" and isinstance(parent, dict):
            new = draw(st.one_of(st.text(max_size=10), st.just(str(last)[:-1])))
            parent[new] = parent.pop(last)
        elif kind == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(hostile_values)
        elif kind == "replace":
            parent[last] = draw(hostile_values)
        elif kind == "wrap":
            parent[last] = draw(st.sampled_from([[parent[last]], {"x": parent[last]}]))
        else:
            parent[last] = str(parent[last])
        if not data:
            break
    return data


TEXT_MUTATIONS = [
    ("undefined alias", lambda line: re.sub(r":\s.*$", ": *nowhere", line)),
    (
        "python tag",
        lambda line: re.sub(r":\s", ": !!python/object/apply:os.system ", line, count=1),
    ),
    ("local tag", lambda line: re.sub(r":\s", ": !foo ", line, count=1)),
    ("binary tag", lambda line: re.sub(r":\s", ": !!binary ", line, count=1)),
    ("set tag", lambda line: re.sub(r":\s", ": !!set ", line, count=1)),
    ("anchor", lambda line: re.sub(r":\s", ": &a ", line, count=1)),
    ("alias to anchor", lambda line: re.sub(r":\s.*$", ": *a", line)),
    ("merge key", lambda line: re.sub(r"^(\s*)[^:\s]+:", r"\1<<:", line)),
    ("indent more", lambda line: "   " + line),
    ("indent less", lambda line: line[2:]),
    ("tab indent", lambda line: "\t" + line.lstrip()),
    ("duplicate line", lambda line: line + "\n" + line),
    ("complex key", lambda line: "? [a, b]\n: 1\n" + line),
]
APPENDED = [
    "bomb: &l0 [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9)),
    "loop: &r [1, *r]\n",
    "deep: " + "[" * 40 + "]" * 40 + "\n",
    "when: 2024-01-01\n",
    "---\nname: second\n",
]


@st.composite
def hostile_files(draw) -> bytes:
    """A mutated quick.yaml as bytes: structural mutations, then YAML-level ones."""
    data = draw(mutated_data())
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 2))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        _, mutate = draw(st.sampled_from(TEXT_MUTATIONS))
        lines[index] = mutate(lines[index])
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()) and draw(st.integers(0, 3)) == 0:
        text += draw(st.sampled_from(APPENDED))
    raw = text.encode("utf-8")
    damage = draw(st.sampled_from(["none", "none", "none", "bytes", "truncate"]))
    if damage == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    elif damage == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


cli = CliRunner()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(
    max_examples=EXAMPLES,
    deadline=10_000,  # ms per example: a hang (the alias bomb took minutes) fails the test
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(content=hostile_files())
def test_hostile_suites_give_a_plan_or_located_problems(workdir, content):
    path = workdir / "suite.yaml"
    path.write_bytes(content)
    valid = problems_or_plan(path)
    result = cli.invoke(
        app, ["run", str(path), "--dry-run", "--db", str(workdir / "absent.duckdb")]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}"
    )
    if valid:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 2 and "error:" in result.output, result.output
    assert not (workdir / "absent.duckdb").exists()


def problems_or_plan(path: Path) -> bool:
    """True with a valid plan; False after checking that every problem names file:line."""
    try:
        loaded = load_suite(path)
    except SuiteError as exc:
        located = re.compile(rf"^{re.escape(str(path))}:\d+: ")
        unlocated = [str(p) for p in exc.problems if not located.match(str(p))]
        assert exc.problems and not unlocated, unlocated
        event("refused with located problems")
        return False
    assert plan_cells(loaded, torch.device("cpu"))
    event("valid plan")
    return True
