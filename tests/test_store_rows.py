"""The store's readers get typed rows in which a missing value is None: one rule, so the
run summary, the gate's snapshot and the report agree on what a missing interval is."""

from __future__ import annotations

import math

import pytest

from benchbench.gate.baseline import snapshot_run
from benchbench.records import CellRecord, Measurement, now
from benchbench.report.data import load_run
from benchbench.report.summary import summarize_run
from benchbench.store.runs import Store

NAN = float("nan")


def cell(run_id: str, measurements: list[Measurement]) -> CellRecord:
    return CellRecord(
        cell_key="k",
        run_id=run_id,
        suite_name="s",
        model_name="m",
        family="gan",
        adapter="gan",
        params={"steps": 5, "dtype": "float32"},
        suite_params={"steps": 5},
        weights=None,
        model_fingerprint="f" * 64,
        device="cpu",
        env_id="e",
        seed=0,
        num_samples=8,
        batch_size=4,
        status="complete",
        started_at=now(),
        finished_at=now(),
        measurements=measurements,
    )


@pytest.fixture
def stored(tmp_path):
    """A run of one cell: ``fd`` has a stored NaN interval, ``kd`` none at all, ``nan``
    a NaN value."""
    with Store(tmp_path / "rows.duckdb") as store:
        run_id = store.start_run("s", "h", "s.yaml", {"name": "s"}, "e", "0.1")
        measurements = [
            Measurement("fd", 1.5, "quality", ci_low=NAN, ci_high=NAN, ci_level=NAN, n=4),
            Measurement("kd", 2.5, "quality", signature={"metric": "kd"}, warnings=("few",)),
            Measurement("nan", NAN, "quality", higher_is_better=False),
        ]
        store.save_cell(cell(run_id, measurements), position=0)
        store.finish_run(run_id, "complete")
        yield store, run_id


def test_rows_are_typed_with_none_for_a_missing_value(stored):
    store, run_id = stored
    fd, kd, nan = store.run_measurements(run_id)
    assert (fd.metric, fd.ci_low, fd.ci_high, fd.ci_level, fd.n) == ("fd", None, None, None, 4)
    assert (kd.n, kd.higher_is_better, kd.signature, kd.warnings) == (
        None,
        None,
        {"metric": "kd"},
        ("few",),
    )
    assert math.isnan(nan.value) and nan.higher_is_better is False  # a value is never "missing"
    [row] = store.run_cells(run_id)
    assert (row.position, row.reused, row.error, row.device_name) == (0, False, None, None)
    assert (row.params, row.suite_params) == ({"steps": 5, "dtype": "float32"}, {"steps": 5})
    run = store.run(run_id)
    assert (run.suite, run.status, run.planned_cells) == ({"name": "s"}, "complete", None)
    assert store.run("no such run") is None


def test_summary_snapshot_and_report_read_one_missing_interval(stored):
    store, run_id = stored
    [summary] = summarize_run(store, run_id)
    [snapshot] = snapshot_run(store, run_id).cells
    [shown] = load_run(store, run_id, samples=False).cells
    for metric in ("fd", "kd"):
        value = summary.quality[metric]
        assert (value.ci_low, value.ci_high) == (None, None)
        assert (snapshot.metrics[metric].ci_low, snapshot.metrics[metric].ci_high) == (None, None)
        assert shown.details[metric].ci_level is None
    assert snapshot.params == summary.suite_params == {"steps": 5}


def test_a_store_older_than_planned_cells_reads_it_as_none(stored, tmp_path):
    store, run_id = stored
    store.con.execute("ALTER TABLE runs DROP COLUMN planned_cells")
    store.close()
    with Store(tmp_path / "rows.duckdb", read_only=True) as old:
        assert old.run(run_id).planned_cells is None
        assert snapshot_run(old, run_id).partial is None
