"""Hostile suites: every YAML hazard is a problem naming file:line, never a traceback or a hang."""

from __future__ import annotations

import time

import pytest

from benchbench.suite import SuiteError, load_suite
from benchbench.yamlsource import MAX_BYTES
from tests.test_suite import VALID

# -- item 5: YAML that cannot hurt --------------------------------------------------------


def one_problem(path) -> str:
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    (problem,) = info.value.problems
    return str(problem)


def billion_laughs() -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "suite.yaml:1: the file holds no YAML (it is empty or only comments)"),
        ("# a comment\n# another\n", "suite.yaml:1: the file holds no YAML"),
        ("- a\n- b\n", "suite.yaml:1: the file holds a list; a suite is a YAML mapping"),
        (billion_laughs(), "suite.yaml:6: this value holds more than 100,000 values once aliases"),
        ("a: &a [1, *a]\n", "suite.yaml:1: recursive alias"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "suite.yaml:3: merge keys (<<) are not supported"),
        ("name: !!python/object/apply:os.system [ls]\n", "suite.yaml:1: YAML tag 'python/object"),
        ("name: !foo x\n", "suite.yaml:1: YAML tag '!foo' is not allowed"),
        ("tags: !!set {a, b}\n", "suite.yaml:1: YAML tag 'set' is not allowed"),
        ("? [a, b]\n: 1\n", "suite.yaml:1: a list cannot be a key"),
        ("name: t\n{a: 1}: 2\n", "suite.yaml:2: a mapping cannot be a key"),
        ("name: t\ndescription: 2024-01-01\n", "suite.yaml:2: '2024-01-01' reads as a date"),
        ("name: t\ndescription: =\n", "suite.yaml:2: '=' is YAML's value key"),
        ("a: " + "[" * 40 + "]" * 40 + "\n", "suite.yaml:1: nested more than 32 levels deep"),
        (
            "name: t\nx: \x07\n",
            "suite.yaml:2: invalid YAML: special characters are not allowed (character U+0007)",
        ),
        ("name: t\nname: u\n", "suite.yaml:2: key 'name' appears twice"),
        ("name: [t\n", "suite.yaml:2: invalid YAML"),
    ],
)
def test_yaml_hazards_are_problems_with_lines(write_suite, text, expected):
    path = write_suite(text)
    start = time.monotonic()
    assert one_problem(path).startswith(f"{path.parent}/{expected}")  # file:line: once
    assert time.monotonic() - start < 2  # the alias bomb too: refused before expanding


def test_aliases_nesting_past_the_depth_limit(write_suite):
    inner = "[" * 20 + "1" + "]" * 20
    text = f"a: &a {inner}\nb: {'[' * 20}*a{']' * 20}\n"
    assert "suite.yaml:1: aliases nest this value more than 32 levels deep" in one_problem(
        write_suite(text)
    )


def test_small_anchors_and_aliases_still_work(write_suite):
    text = VALID.replace("sampling:\n", "sampling: &s\n") + "    sampling: *s\n"
    assert load_suite(write_suite(text)).suite.models[0].sampling.num_samples == 8


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name: t\ndescription: caf\xe9\n".encode("latin-1"), "suite.yaml:2: not UTF-8 text"),
        (b"name: t\n\x00\x01\x02binary", "suite.yaml:2: binary data (a NUL byte)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "suite.yaml:3: binary data"),
    ],
)
def test_non_utf8_and_binary_files(tmp_path, content, expected):
    path = tmp_path / "suite.yaml"
    path.write_bytes(content)
    assert expected in one_problem(path)


def test_directory_given_as_the_suite(tmp_path):
    (tmp_path / "image.yaml").write_text("name: x\n")
    assert f"{tmp_path}: is a directory, not a suite file (it holds image.yaml)" in one_problem(
        tmp_path
    )


def test_oversized_file_is_not_read(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text("# " + "x" * MAX_BYTES + "\n")
    assert "a YAML file here is at most 1 MiB" in one_problem(path)
