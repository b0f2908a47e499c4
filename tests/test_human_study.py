"""Study files (errors with file:line), the stored task pool, and rater assignments."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from benchbench.human.design import PLANTED, REAL, REPEAT, assign, create_study
from benchbench.human.study import StudyError, load_study
from benchbench.store.human import HumanStore
from benchbench.store.runs import Store
from tests.support import REPO
from tests.support.human_specs import study

pytest_plugins = ("tests.support.human_run",)


@pytest.mark.parametrize(
    ("yaml_text", "line", "expected"),
    [
        (
            "name: s\nsuite: x\ntask: ab\nquestions: [{id: q, text: Q}]\ncolour: red\n",
            5,
            "unknown field 'colour'",
        ),
        ("name: s\nsuite: x\ntask: abc\nquestions: [{id: q, text: Q}]\n", 3, "task"),
        (
            "name: s\nsuite: x\nrun: r\ntask: ab\nquestions: [{id: q, text: Q}]\n",
            1,
            "exactly one of",
        ),
        (
            "name: s\nsuite: x\ntask: rating\nquestions: [{id: q, text: Q}]\nscale:\n  1: Bad\n"
            "  3: Good\n",
            5,
            "keys must be 1..N",
        ),
        (
            "name: s\nsuite: x\ntask: ab\nquestions:\n  - {id: q, text: Q}\n  - {id: q, text: R}\n",
            6,
            "question id 'q' repeats",
        ),
        (
            "name: s\nsuite: x\ntask: ab\nquestions: [{id: q, text: Q}]\nscale: {1: a, 2: b}\n",
            5,
            "rating studies only",
        ),
        (
            "name: s\nsuite: x\ntask: ab\nquestions: [{id: q, text: Q}]\n"
            "attention:\n  min_pass_rate: 2\n",
            6,
            "min_pass_rate",
        ),
        (
            "name: s\nsuite: x\ntask: rating\nquestions: [{id: q, text: Q}]\nties: false\n",
            5,
            "A/B studies only",
        ),
        (
            "name: s\nsuite: x\ntask: ab\nquestions: [{id: q, text: Q}]\nmax_raters: 0\n",
            5,
            "max_raters: Input should be greater than or equal to 1",
        ),
        (
            "name: s\nsuite: x\ntask: ab\nquestions: [{id: q, text: Q}]\nmax_raters: many\n",
            5,
            "max_raters: Input should be a valid integer",
        ),
    ],
)
def test_bad_study_files_name_file_line_and_field(write_study, yaml_text, line, expected):
    path = write_study(yaml_text)
    with pytest.raises(StudyError) as caught:
        load_study(path)
    assert f"{path}:{line}:" in str(caught.value) and expected in str(caught.value)


def test_a_study_file_that_is_no_plain_yaml_names_its_file_and_line_once(write_study):
    path = write_study("name: s\nsuite: x\nquestions: !!python/object:os.system {}\n")
    with pytest.raises(StudyError) as caught:
        load_study(path)
    message = str(caught.value)
    assert f"{path}:3:" in message and message.count(str(path)) == 1, message


def test_unknown_cells_and_runs_point_at_their_lines(human_db, write_study):
    spec = study(cells=[{"model": "oracle"}, {"model": "nosie"}])
    with Store(human_db) as store:
        path = write_study(spec)
        with pytest.raises(StudyError) as caught:
            create_study(load_study(path), store)
        assert f"{path}:" in str(caught.value) and "cells[1]: no complete cell" in str(caught.value)
        with pytest.raises(StudyError, match="no run of suite 'other'"):
            create_study(load_study(write_study(study(suite="other"))), store)


def test_pool_pairs_same_sample_of_different_cells(human_db, write_study):
    spec = study(cells=[{"model": "oracle"}, {"model": "noise", "params": {"brightness": 1.0}}])
    with Store(human_db) as store:
        record = create_study(load_study(write_study(spec)), store)
        humans = HumanStore(store)
        items = humans.items("ab").set_index("item_id")
        tasks = humans.tasks("ab")
    kinds = Counter(tasks["check_kind"])
    assert kinds == {REAL: 6, REPEAT: 6, PLANTED: 12}  # 1 pair x 6 samples; 2 cells x 6
    for task in tasks[tasks["check_kind"] == REAL].itertuples():
        a, b = items.loc[task.item_a], items.loc[task.item_b]
        assert a.sample_index == b.sample_index and a.cell_id != b.cell_id
        assert not a.planted and not b.planted
    for task in tasks[tasks["check_kind"] == PLANTED].itertuples():
        a, b = items.loc[task.item_a], items.loc[task.item_b]
        assert (a.cell_id, a.sample_index, a.planted, b.planted) == (
            b.cell_id,
            b.sample_index,
            False,
            True,
        )
    assert record.sample_kind == "image" and len(record.token) >= 32


def test_recreating_a_study_is_idempotent_but_changes_are_refused(human_db, write_study):
    with Store(human_db) as store:
        first = create_study(load_study(write_study(study())), store)
        again = create_study(load_study(write_study(study())), store)
        assert again.token == first.token
        with pytest.raises(StudyError, match="different definition"):
            create_study(load_study(write_study(study(samples_per_cell=5))), store)


def test_assignments_spread_raters_and_place_checks():
    tasks = [(f"t{i}", REAL, None) for i in range(10)]
    tasks += [(f"r{i}", REPEAT, f"t{i}") for i in range(10)]
    tasks += [(f"p{i}", PLANTED, None) for i in range(5)]
    rng = np.random.default_rng(0)
    load: Counter[str] = Counter()
    for _ in range(7):
        plan = assign(tasks, load, per_rater=4, repeats=2, planted=1, rng=rng)
        names = [t for t, _ in plan]
        assert len(plan) == 4 + 2 + 1 and len(set(names)) == len(names)
        assert sum(t.startswith("p") for t in names) == 1
        for position, (task, swapped) in enumerate(plan):
            if task.startswith("r"):
                original = names.index("t" + task[1:])
                assert original < position and plan[original][1] == swapped
        load.update(t for t in names if t.startswith("t"))
    counts = [load[f"t{i}"] for i in range(10)]
    assert max(counts) - min(counts) <= 1 and sum(counts) == 28


@pytest.mark.parametrize("path", sorted(REPO.glob("studies/*.yaml")), ids=lambda p: p.name)
def test_example_studies_are_valid(path):
    assert load_study(path).study.name == path.stem
