"""The shipped quick audio training suite end to end: the three audio trainers train, are
scored at their checkpoints with the audio suite's metrics in the spoken-digits
extractor's features, keep a spectrogram grid per checkpoint, and get stability cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite

SUITE = Path(__file__).resolve().parents[1] / "suites" / "training-audio-quick.yaml"
RECIPES = ["wavenet", "wavegan", "diffwave"]


@pytest.mark.slow
def test_the_quick_audio_training_suite_stores_blocks_checkpoints_and_stability(tmp_path):
    db = tmp_path / "bench.duckdb"
    loaded = load_suite(SUITE)
    with Store(db) as store:
        result = run_suite(loaded, store)
    assert (result.executed, result.failed) == (9, 0)  # 3 recipes x 2 seeds + 3 settings
    with Store(db, read_only=True) as store:
        cells = store.run_cells(result.run_id)
        blocks = store.run_training_blocks(result.run_id)
        checkpoints = store.run_training_checkpoints(result.run_id)
        measured = {(m.position, m.metric): m.value for m in store.run_measurements(result.run_id)}
        artifacts = {(a.position, a.name) for a in store.run_artifacts(result.run_id)}
    assert [c.status for c in cells] == ["complete"] * 9
    seeds = [c for c in cells if c.adapter.startswith("trainer:")]
    assert [c.model_name for c in seeds] == [r for r in RECIPES for _ in range(2)]
    assert {c.family for c in seeds} == set(RECIPES)
    for cell in seeds:
        position = cell.position
        steps = checkpoints[(checkpoints.position == position) & (checkpoints.metric == "fd")]
        assert sorted(steps.step) == [0, 4]
        assert set(checkpoints[checkpoints.position == position].metric) >= {"recall", "coverage"}
        series = set(blocks[blocks.position == position].series)
        assert any(s.startswith("loss/") for s in series), series
        assert any(s.startswith("grad_norm/") for s in series), series
        for step in (0, 4):
            assert (position, f"samples-step-{step:06d}.png") in artifacts
        assert measured[(position, "steps_done")] == 4.0
        assert (position, "collapsed") in measured and (position, "best_fd") in measured
    for position in (6, 7, 8):
        assert (position, "final_fd_median") in measured
        assert (position, "collapse_rate") in measured
    assert not (tmp_path / "training-state").exists()
