"""Training cells through the driver: what is stored (blocks, checkpoints from step 0,
grids, measurements, stability cells), reuse, divergence, and resuming an interrupted
cell to the very record an uninterrupted run gives."""

from __future__ import annotations

import pytest
import torch

from benchbench.run.driver import run_suite
from benchbench.run.observer import SilentObserver
from benchbench.run.training import History, resume, save_state, state_path
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.suites import tiny_recipe, training_suite
from tests.support.trainers import TinyHyper, TinyTrainer

TIMES = ("seconds", "train_seconds")  # wall times: the only columns a resumed run may change


def run(write_suite, suite: dict, db, observer=None, name: str = "suite.yaml"):
    loaded = load_suite(write_suite(suite, name))
    with Store(db) as store:
        return run_suite(loaded, store, observer=observer)


def stored(db, run_id: str) -> dict:
    """The run's training rows and cells, wall times and ids left out."""
    with Store(db, read_only=True) as store:
        blocks = store.run_training_blocks(run_id).drop(columns=["cell_id", *TIMES[:1]])
        checkpoints = store.run_training_checkpoints(run_id).drop(columns=["cell_id", *TIMES[1:]])
        measured = {
            (m.position, m.metric): (m.value, m.ci_low, m.ci_high)
            for m in store.run_measurements(run_id)
            if m.metric not in ("train_s", "time_to_target_s")
        }
        artifacts = [(a.position, a.name, a.sha256) for a in store.run_artifacts(run_id)]
        cells = [(c.position, c.status, c.reused) for c in store.run_cells(run_id)]
    return {
        "blocks": blocks,
        "checkpoints": checkpoints,
        "measured": measured,
        "artifacts": artifacts,
        "cells": cells,
    }


def test_a_training_run_stores_its_history_and_a_second_run_reuses_it(write_suite, tmp_path):
    db = tmp_path / "bench.duckdb"
    diverging = tiny_recipe(name="diverges", seeds=1, hyper={"diverge_at": 3})
    result = run(write_suite, training_suite([tiny_recipe(), diverging]), db)
    assert (result.executed, result.skipped, result.failed) == (5, 0, 0)  # 3 seeds + 2 settings
    got = stored(db, result.run_id)
    checkpoints = got["checkpoints"]
    assert sorted(set(checkpoints[checkpoints.position == 0].step)) == [0, 2, 4]
    assert sorted(set(checkpoints[checkpoints.position == 2].step)) == [0, 2]  # not after NaN
    blocks = got["blocks"]
    tiny = blocks[(blocks.position == 0) & (blocks.series == "loss/mse")]
    assert list(tiny.step_end) == [1, 2, 3, 4] and set(tiny.nonfinite) == {0}
    nan_block = blocks[(blocks.position == 2) & (blocks.step_end == 3)]
    assert set(nan_block.nonfinite) == {1}
    assert set(nan_block.series) == {"grad_norm/generator"}  # the NaN loss is no block value
    names = {(p, n) for p, n, _ in got["artifacts"]}
    assert (0, "samples-step-000000.png") in names and (2, "samples-step-000002.png") in names
    measured = got["measured"]
    assert measured[(2, "diverged")][0] == 1.0 and measured[(2, "steps_done")][0] == 3.0
    assert measured[(0, "steps_done")][0] == 4.0
    assert (0, "fd") in measured and (0, "best_fd") in measured and (0, "best_step") in measured
    flags = [measured[(p, "diverged")][0] for p in (0, 1)]
    assert measured[(3, "divergence_rate")][0] == sum(flags) / 2
    assert measured[(4, "divergence_rate")][0] == 1.0
    assert (3, "final_fd_std") in measured and (4, "final_fd_std") not in measured  # 1 seed
    assert all(c[1] == "complete" for c in got["cells"])
    assert not (tmp_path / "training-state").exists()

    again = run(write_suite, training_suite([tiny_recipe(), diverging]), db)
    assert (again.executed, again.skipped) == (0, 5)
    reused = stored(db, again.run_id)
    assert reused["measured"] == measured
    assert all(reused_flag for _, _, reused_flag in reused["cells"])


class StopAfterCheckpoint(SilentObserver):
    """Ctrl-C once the first training cell has scored step ``step``; records resumptions."""

    def __init__(self, step: int | None):
        self.step = step
        self.resumed_from: list[int] = []

    def training_started(self, cell, steps: int, done: int) -> None:
        self.resumed_from.append(done)

    def checkpoint_done(self, cell, step: int) -> None:
        if step == self.step:
            raise KeyboardInterrupt


def test_an_interrupted_cell_resumes_to_the_uninterrupted_record(write_suite, tmp_path):
    suite = training_suite([tiny_recipe(seeds=1)])
    whole = run(write_suite, suite, tmp_path / "whole.duckdb")

    db = tmp_path / "stopped" / "bench.duckdb"
    with pytest.raises(KeyboardInterrupt):
        run(write_suite, suite, db, StopAfterCheckpoint(2))
    states = list((db.parent / "training-state").glob("*/state.pt"))
    assert len(states) == 1
    with Store(db, read_only=True) as store:
        assert store.query("SELECT count(*) AS n FROM cells").n[0] == 0  # nothing stored yet
    observer = StopAfterCheckpoint(None)
    resumed = run(write_suite, suite, db, observer)
    assert observer.resumed_from == [2]  # continued from the checkpoint at step 2

    first, second = stored(tmp_path / "whole.duckdb", whole.run_id), stored(db, resumed.run_id)
    assert first["blocks"].equals(second["blocks"])
    assert first["checkpoints"].equals(second["checkpoints"])
    assert first["measured"] == second["measured"]
    assert first["artifacts"] == second["artifacts"]
    with Store(db, read_only=True) as store:
        counts = store.query(
            "SELECT (SELECT count(*) FROM cells) AS cells, "
            "(SELECT count(*) FROM training_checkpoints) AS rows"
        )
    assert counts.cells[0] == 2  # the seed cell and its stability cell, once each
    assert counts.rows[0] == len(first["checkpoints"])
    assert not (db.parent / "training-state").exists()


def tiny(seed: int = 0) -> TinyTrainer:
    return TinyTrainer(TinyHyper(), seed, torch.device("cpu"), 4)


def test_a_corrupt_state_file_is_reported_and_the_cell_starts_over(tmp_path):
    path = state_path(tmp_path, "key1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a torch file")
    history, warning = resume(path, "key1", tiny())
    assert history == History() and str(path) in warning and "trained from step 0" in warning


def test_a_state_of_another_cell_is_reported_and_ignored(tmp_path):
    trainer = tiny()
    trainer.train_step()
    save_state(state_path(tmp_path, "other"), "other", trainer, History(step=1))
    path = state_path(tmp_path, "mine")
    path.parent.mkdir(parents=True)
    state_path(tmp_path, "other").rename(path)
    fresh = tiny()
    history, warning = resume(path, "mine", fresh)
    assert history.step == 0 and "belongs to another cell ('other')" in warning
    assert fresh.step == 0  # the foreign trainer state was not loaded


def test_a_state_round_trips_with_its_trainer(tmp_path):
    trainer = tiny()
    trainer.train_step()
    history = History(step=1, seconds=0.5, grids={"samples-step-000000.png": b"\x89PNG"})
    save_state(state_path(tmp_path, "k"), "k", trainer, history)
    restored = tiny()
    got, warning = resume(state_path(tmp_path, "k"), "k", restored)
    assert warning is None and got == history
    assert restored.train_step() == trainer.train_step()  # the same next step, bit for bit


def test_bench_run_prints_training_and_stability_tables(write_suite, tmp_path):
    from typer.testing import CliRunner

    from benchbench.cli.app import app

    suite = training_suite([tiny_recipe(hyper={"collapse": True})])
    args = ["run", str(write_suite(suite)), "--db", str(tmp_path / "b.duckdb"), "-q"]
    result = CliRunner().invoke(app, args, terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "training cells" in result.output and "stability over seeds (fd" in result.output
    assert "collapse=True seed=1" in result.output
    row = next(line for line in result.output.splitlines() if "seed=0" in line)
    assert "yes" in row  # collapsed: every sample is the same image
    assert "3 cells run, 0 skipped" in result.output


class Warnings(SilentObserver):
    def __init__(self):
        self.seen: list[str] = []

    def cell_warning(self, cell, message: str) -> None:
        self.seen.append(message)


def test_a_run_over_a_corrupt_state_warns_and_trains_from_step_0(write_suite, tmp_path):
    from benchbench.run.training_plan import plan_training

    suite = training_suite([tiny_recipe(seeds=1)])
    cells, _ = plan_training(load_suite(write_suite(suite)), torch.device("cpu"))
    path = state_path(tmp_path / "training-state", cells[0].key)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00 torn write")
    observer = Warnings()
    result = run(write_suite, suite, tmp_path / "bench.duckdb", observer)
    assert result.failed == 0 and len(observer.seen) == 1 and str(path) in observer.seen[0]
    got = stored(tmp_path / "bench.duckdb", result.run_id)
    assert sorted(set(got["checkpoints"].step)) == [0, 2, 4]
    assert not path.exists()


def test_a_state_that_fails_halfway_through_loading_leaves_no_trace(write_suite, tmp_path):
    """A state whose trainer part loads the network and then fails (no generator state):
    the cell must train a fresh trainer, not the half-restored one, and so give the
    record of a run that never saw the file."""
    from benchbench.run.training_plan import plan_training

    suite = training_suite([tiny_recipe(seeds=1)])
    clean = run(write_suite, suite, tmp_path / "clean.duckdb")
    cells, _ = plan_training(load_suite(write_suite(suite)), torch.device("cpu"))
    trained = tiny()
    for _ in range(3):
        trained.train_step()
    partial = {"net": trained.net.state_dict(), "optimizer": trained.optimizer.state_dict()}
    path = state_path(tmp_path / "training-state", cells[0].key)
    path.parent.mkdir(parents=True)
    torch.save({"key": cells[0].key, "trainer": partial, "history": History().to_state()}, path)
    observer = Warnings()
    result = run(write_suite, suite, tmp_path / "bench.duckdb", observer)
    assert len(observer.seen) == 1 and "KeyError" in observer.seen[0]
    got = stored(tmp_path / "bench.duckdb", result.run_id)
    assert got["checkpoints"].equals(stored(tmp_path / "clean.duckdb", clean.run_id)["checkpoints"])
