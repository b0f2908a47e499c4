"""Training suites: the ``training`` block's schema and checks (each problem with file and
line), and the keys of training and stability cells."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.run.training_plan import plan_training
from benchbench.suite.load import load_suite
from tests.support.suites import (
    QUICK,
    TRAINING,
    assert_edit_is_refused,
    problems_of,
    tiny_recipe,
    training_suite,
)
from tests.support.trainers import TinyTrainer

CPU = torch.device("cpu")


def test_a_training_suite_loads_and_plans_seeds_by_settings(write_suite):
    loaded = load_suite(write_suite(TRAINING))
    cells, settings = plan_training(loaded, CPU)
    assert [c.suite_params for c in cells] == [
        {"lr": 0.01, "seed": 0},
        {"lr": 0.01, "seed": 1},
        {"lr": 0.1, "seed": 0},
        {"lr": 0.1, "seed": 1},
    ]
    assert [s.suite_params for s in settings] == [{"lr": 0.01}, {"lr": 0.1}]
    assert [s.position for s in settings] == [4, 5]
    assert [c.position for c in settings[1].cells] == [2, 3]
    assert cells[0].hyper == {"lr": 0.01, "batch_size": 16, "collapse": False, "diverge_at": 0}


def test_sampling_suites_keep_their_hash():
    """The ``training`` field is left out of a sampling suite's dump, so its hash (and the
    quick gate's baseline) does not move."""
    dumped = load_suite(QUICK).suite.model_dump(mode="json")
    assert "training" not in dumped and "models" in dumped


HOSTILE = [  # (what to replace in TRAINING, by what, the problem expected)
    (
        "steps: 10\n      checkpoint_every: 5",
        "steps: 1000000\n      checkpoint_every: 1",
        "suite.yaml:14: training.recipes[0].checkpoint_every: 1000000 steps with a checkpoint "
        "every 1 make more than 1,000 evaluations",
    ),
    (
        "hyper: {lr: [0.01, 0.1]}",
        "hyper: {lr: .nan}",
        "suite.yaml:15: training.recipes[0].hyper: Value error, lr: nan is not a finite number",
    ),
    (
        "steps: 10",
        "steps: 0",
        "suite.yaml:13: training.recipes[0].steps: Input should be greater than 0 (got 0)",
    ),
    (
        "steps: 10",
        "steps: 1000000000",
        "suite.yaml:13: training.recipes[0].steps: Input should be less than or equal to 1000000",
    ),
    (
        "collapse: {recall: 0.1}",
        "collapse: {recal: 0.1}",
        "suite.yaml:9: training.collapse.recal: metric 'recal' is not among the suite's metrics; "
        "did you mean 'recall'?",
    ),
    (
        "collapse: {recall: 0.1}",
        "collapse: {fd: 100.0}",
        "suite.yaml:9: training.collapse.fd: 'fd' does not fall as samples lose diversity, so "
        "no threshold on it means collapse; collapse takes recall, coverage, lpips,",
    ),
    (
        "quality: fd",
        "quality: kd",
        "suite.yaml:8: training.quality: metric 'kd' is not among the suite's metrics "
        "(its metrics: fd, recall)",
    ),
    (
        "checkpoint_every: 5",
        "checkpoint_every: 11",
        "suite.yaml:14: training.recipes[0].checkpoint_every: checkpoint_every (11) exceeds "
        "steps (10)",
    ),
    (
        "checkpoint_every: 5",
        "checkpoint_every: 5\n      log_every: 6",
        "suite.yaml:15: training.recipes[0].log_every: log_every (6) exceeds checkpoint_every (5)",
    ),
    (
        "tests.support.trainers:TinyTrainer",
        "tests.support.trainers:Tiny",
        "suite.yaml:12: training.recipes[0].trainer: module 'tests.support.trainers' has no "
        "attribute 'Tiny'",
    ),
    (
        "hyper: {lr: [0.01, 0.1]}",
        "hyper: {lr: [0.01, -1.0]}",
        "suite.yaml:15: training.recipes[0].hyper.lr: Input should be greater than 0 (got -1.0)",
    ),
    (
        "hyper: {lr: [0.01, 0.1]}",
        "hyper: {lrate: 0.1}",
        "suite.yaml:15: training.recipes[0].hyper.lrate: unknown field 'lrate'",
    ),
    (
        "seeds: 2",
        "seeds: 0",
        "suite.yaml:7: training.seeds.count: Input should be greater than 0",
    ),
    (
        "seeds: 2",
        "seeds: [1, 1.5]",
        "suite.yaml:7: training.seeds.list[1]: a whole number",
    ),
]


@pytest.mark.parametrize(("replace", "by", "expected"), HOSTILE)
def test_bad_training_blocks_are_problems_with_lines(write_suite, replace, by, expected):
    assert_edit_is_refused(write_suite, TRAINING, replace, by, expected)


def test_an_unknown_registered_trainer_gets_a_suggestion(write_suite):
    problems = problems_of(
        write_suite, TRAINING.replace("tests.support.trainers:TinyTrainer", "dcgan-digit")
    )
    assert any("training.recipes[0].trainer: unknown trainer 'dcgan-digit'" in p for p in problems)


def test_models_and_training_together_or_neither_are_refused(write_suite):
    both = TRAINING + "models:\n  - {name: a, adapter: tests.support.fake_models:noise}\n"
    problems = problems_of(write_suite, both)
    assert any("suite.yaml:6: training: a suite has either `models`" in p for p in problems)
    neither = TRAINING[: TRAINING.index("training:")]
    problems = problems_of(write_suite, neither)
    assert any("a suite needs `models` (a sampling suite) or `training`" in p for p in problems)


def test_gate_may_name_training_and_stability_metrics(write_suite):
    gate = "gate:\n  ignore: [train_s, collapse_rate]\n  tolerances: {final_fd_std: {rel: 0.5}}\n"
    assert load_suite(write_suite(TRAINING + gate)).suite.gate.ignore == [
        "train_s",
        "collapse_rate",
    ]
    problems = problems_of(write_suite, TRAINING + "gate:\n  ignore: [colapse_rate]\n")
    assert any(
        "no metric 'colapse_rate' in this suite; did you mean 'collapse_rate'" in p
        for p in problems
    )


def test_bad_training_suite_is_an_error_line_not_a_traceback(write_suite, tmp_path):
    path = write_suite(TRAINING.replace("steps: 10", "steps: 0"))
    result = CliRunner().invoke(app, ["run", str(path), "--db", str(tmp_path / "b.duckdb")])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "training.recipes[0].steps" in result.output
    assert "Traceback" not in result.output


def keys(write_suite, suite: dict) -> dict[str, str]:
    cells, settings = plan_training(load_suite(write_suite(suite)), CPU)
    return {c.label: c.key for c in cells} | {f"stability {s.label}": s.key for s in settings}


def test_a_default_written_out_keeps_the_key(write_suite):
    plain = keys(write_suite, training_suite())
    explicit = keys(write_suite, training_suite([tiny_recipe(hyper={"lr": 0.05})]))
    assert list(plain.values()) == list(explicit.values())


@pytest.mark.parametrize(
    "change",
    [
        {"recipes": [tiny_recipe(hyper={"lr": 0.5})]},
        {"recipes": [tiny_recipe(steps=6)]},
        {"recipes": [tiny_recipe(seeds=[5, 6])]},
        {"recipes": [tiny_recipe(checkpoint_every=1)]},
    ],
)
def test_what_decides_the_numbers_changes_the_keys(write_suite, change):
    before = keys(write_suite, training_suite())
    after = keys(write_suite, training_suite(change["recipes"]))
    assert not set(before.values()) & set(after.values())


def test_a_new_trainer_version_changes_the_keys(write_suite, monkeypatch):
    before = keys(write_suite, training_suite())
    monkeypatch.setattr(TinyTrainer, "version", "2")
    assert not set(before.values()) & set(keys(write_suite, training_suite()).values())


def test_adding_a_recipe_leaves_the_other_keys(write_suite):
    before = keys(write_suite, training_suite())
    after = keys(write_suite, training_suite([tiny_recipe(), tiny_recipe(name="other")]))
    assert before.items() <= after.items()
    assert len(after) == 2 * len(before)


def test_a_changed_target_changes_only_the_stability_keys(write_suite):
    """The target is a stability figure; collapse thresholds decide each seed's own
    ``collapsed``, so they key the training cells too."""
    before = keys(write_suite, training_suite())
    suite = training_suite()
    suite["training"]["target"] = 50.0
    after = keys(write_suite, suite)
    changed = {label for label in before if before[label] != after[label]}
    assert changed == {label for label in before if label.startswith("stability")}
    suite["training"]["collapse"] = {"recall": 0.2}
    assert not set(before.values()) & set(keys(write_suite, suite).values())
