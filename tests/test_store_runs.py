"""The DuckDB store: schema, one transaction per cell, versioning, reuse lookups."""

from __future__ import annotations

import duckdb
import pytest

from benchbench.records import Measurement, TrainingBlock, TrainingCheckpoint
from benchbench.store.runs import Store, StoreError
from tests.support.records import make_cell

EXPECTED_COLUMNS = {
    "runs": {"run_id", "suite_name", "suite_hash", "env_id", "started_at", "finished_at", "status"},
    "environments": {
        "env_id",
        "device_name",
        "gpu_name",
        "gpu_driver",
        "cuda_runtime",
        "torch_version",
        "git_sha",
        "details",
    },
    "cells": {
        "cell_id",
        "cell_key",
        "run_id",
        "model_name",
        "family",
        "params",
        "suite_params",
        "model_fingerprint",
        "device",
        "status",
        "error",
        "num_samples",
        "batch_size",
    },
    "run_cells": {"run_id", "cell_id", "position", "reused"},
    "measurements": {
        "cell_id",
        "metric",
        "label",
        "kind",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "unit",
        "higher_is_better",
        "signature",
        "signature_hash",
        "warnings",
    },
    "timing_samples": {"cell_id", "phase", "idx", "seconds", "items"},
    "artifacts": {"cell_id", "name", "media_type", "sha256", "content", "meta"},
    "training_blocks": {"cell_id", "step_end", "steps", "seconds", "nonfinite"},
    "training_series": {"cell_id", "step_end", "series", "mean", "max"},
    "training_checkpoints": {"cell_id", "step", "train_seconds", "metric", "value", "ci_low"},
}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.duckdb") as s:
        yield s


def test_schema_has_the_documented_tables_and_columns(store):
    for table, columns in EXPECTED_COLUMNS.items():
        found = set(store.query(f"DESCRIBE {table}")["column_name"])
        assert columns <= found, (table, columns - found)


def test_cell_round_trip_and_reuse_lookup(store):
    run_id = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
    cell = make_cell(
        run_id,
        measurements=[Measurement("fd", 1.5, "quality", ci_low=1.0, ci_high=2.0, n=4)],
        timing_samples=[("steady", 0, 0.1, 2), ("steady", 1, 0.2, 2)],
    )
    store.save_cell(cell, position=0)
    assert store.find_complete_cell("k1") == cell.cell_id
    assert store.find_complete_cell("other") is None
    [stored] = store.run_measurements(run_id)
    assert (stored.metric, stored.ci_low, stored.ci_high, stored.n) == ("fd", 1.0, 2.0, 4)
    assert len(store.query("SELECT * FROM timing_samples")) == 2


def test_failed_cells_are_kept_but_never_reused(store):
    run_id = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
    store.save_cell(make_cell(run_id, status="failed", error="boom"), position=0)
    assert store.find_complete_cell("k1") is None
    assert store.query("SELECT error FROM cells")["error"][0] == "boom"


def test_a_cell_is_written_in_one_transaction(store):
    run_id = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
    duplicated = [Measurement("fd", 1.0, "quality"), Measurement("fd", 2.0, "quality")]
    with pytest.raises(duckdb.Error):
        store.save_cell(make_cell(run_id, measurements=duplicated), position=0)
    for table in ("cells", "measurements", "run_cells"):
        assert store.query(f"SELECT count(*) AS n FROM {table}")["n"][0] == 0
    store.save_cell(make_cell(run_id, measurements=duplicated[:1]), position=0)  # still usable
    assert store.query("SELECT count(*) AS n FROM cells")["n"][0] == 1


def test_schema_version_mismatch_is_a_clear_error(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        s.con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 0"):
        Store(path)


def test_training_rows_round_trip_with_their_cell(store):
    run_id = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
    blocks = [
        TrainingBlock(10, 10, 0.5, 0, {"loss/g": (1.0, 2.0), "grad_norm/g": (3.0, 4.0)}),
        TrainingBlock(20, 10, 0.6, 2, {"loss/g": (0.5, 0.9)}),
    ]
    checkpoints = [
        TrainingCheckpoint(0, 0.0, [Measurement("fd", 90.0, "quality", ci_low=80.0, ci_high=99.0)]),
        TrainingCheckpoint(20, 1.1, [Measurement("fd", 40.0, "quality")]),
    ]
    cell = make_cell(run_id, training_blocks=blocks, training_checkpoints=checkpoints)
    store.save_cell(cell, position=0)
    rows = store.run_training_blocks(run_id)
    assert list(zip(rows["step_end"], rows["series"], rows["mean"], strict=True)) == [
        (10, "grad_norm/g", 3.0),
        (10, "loss/g", 1.0),
        (20, "loss/g", 0.5),
    ]
    assert list(rows["nonfinite"]) == [0, 0, 2]
    evaluated = store.run_training_checkpoints(run_id)
    assert list(zip(evaluated["step"], evaluated["value"], strict=True)) == [(0, 90.0), (20, 40.0)]
    assert evaluated["ci_high"][0] == 99.0 and evaluated["train_seconds"][1] == 1.1
    assert set(store.export_tables([run_id])) >= {"training_blocks", "training_checkpoints"}


def test_a_training_cell_is_written_in_one_transaction(store):
    run_id = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
    twice = [TrainingBlock(10, 10, 0.5, 0), TrainingBlock(10, 10, 0.5, 0)]
    with pytest.raises(duckdb.Error):
        store.save_cell(make_cell(run_id, training_blocks=twice), position=0)
    for table in ("cells", "training_blocks", "run_cells"):
        assert store.query(f"SELECT count(*) AS n FROM {table}")["n"][0] == 0
