"""The gate on training runs: stability cells are compared like any cell, so a recipe's
collapse rate and its final-quality spread are gated by default, with tolerances the suite
can set."""

from __future__ import annotations

import math

import pytest

from benchbench.gate.baseline import snapshot_run
from benchbench.gate.compare import Status, compare_runs
from benchbench.store.runs import Store
from benchbench.suite.schema import GateSpec, Tolerance
from tests.support.training_run import write_training_run

FRAGILE = "dcgan-fragile lr=0.002 batch_norm=False"  # the fragile setting's stability cell


def snapshots(tmp_path, current: dict[str, dict[str, float]]):
    """A baseline run and a current run (with ``current``'s stability values) as snapshots."""
    with Store(tmp_path / "train.duckdb") as store:
        baseline = snapshot_run(store, write_training_run(store))
        now = snapshot_run(store, write_training_run(store, overrides=current))
    return baseline, now


def row(result, metric: str, cell: str = FRAGILE):
    return next(c for c in result.comparisons if c.cell == cell and c.metric == metric)


def test_equal_training_runs_pass_and_gate_the_stability_figures(tmp_path):
    baseline, current = snapshots(tmp_path, {})
    result = compare_runs(baseline, current, GateSpec(ignore=["train_s"]))
    assert result.exit_code == 0, [c for c in result.comparisons if c.status != Status.PASS]
    gated = {c.metric for c in result.comparisons if c.cell == FRAGILE}
    assert {"collapse_rate", "divergence_rate", "final_fd_std", "final_fd_iqr"} <= gated


def test_a_risen_collapse_rate_fails_the_gate(tmp_path):
    baseline, current = snapshots(tmp_path, {"dcgan": {"collapse_rate": 1.0}})
    result = compare_runs(baseline, current, GateSpec())
    rose = row(result, "collapse_rate", cell="dcgan")
    assert rose.status is Status.REGRESSED, rose
    assert (rose.baseline, rose.current) == (0.0, 1.0)
    assert result.exit_code == 1


def test_a_tolerance_set_in_the_suite_applies_to_stability_figures(tmp_path):
    baseline, current = snapshots(tmp_path, {"dcgan": {"collapse_rate": 1.0}})
    loose = GateSpec(tolerances={"collapse_rate": Tolerance(abs=1.0)})
    assert row(compare_runs(baseline, current, loose), "collapse_rate", "dcgan").status is (
        Status.PASS
    )


def test_a_nan_spread_fails_the_gate_with_its_reason(tmp_path):
    baseline, current = snapshots(tmp_path, {"ddpm": {"final_fd_std": math.nan}})
    spec = GateSpec(tolerances={"final_fd_std": Tolerance(rel=0.5)})
    nan = row(compare_runs(baseline, current, spec), "final_fd_std", cell="ddpm")
    assert nan.status is Status.FAILED and "not a finite number" in nan.note


@pytest.mark.parametrize("metric", ["collapsed", "steps_done"])
def test_a_training_measurement_named_in_the_gate_is_compared(tmp_path, metric):
    """Per-seed measurements of kind "training" are not gated by default; named with a
    tolerance, they are compared (there is no default tolerance for their kind)."""
    baseline, current = snapshots(tmp_path, {})
    spec = GateSpec(tolerances={metric: Tolerance(abs=0.0, direction="lower_is_better")})
    result = compare_runs(baseline, current, spec)
    assert row(result, metric, cell="dcgan seed=0").status is Status.PASS
    assert metric not in {c.metric for c in compare_runs(baseline, current, GateSpec()).comparisons}
