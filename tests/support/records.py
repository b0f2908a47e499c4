"""Records built by hand, for store tests that need no run."""

from __future__ import annotations

from benchbench.records import CellRecord, now


def make_cell(run_id: str, key: str = "k1", status: str = "complete", **extra) -> CellRecord:
    """A cell row with fixed made-up values; ``extra`` sets the fields a test is about."""
    return CellRecord(
        cell_key=key,
        run_id=run_id,
        suite_name="s",
        model_name="m",
        family="gan",
        adapter="gan",
        params={"a": 1},
        suite_params={},
        weights=None,
        model_fingerprint="f",
        device="cpu",
        env_id="e",
        seed=0,
        num_samples=4,
        batch_size=2,
        status=status,
        started_at=now(),
        finished_at=now(),
        **extra,
    )
