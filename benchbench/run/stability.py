"""A setting's stability cell: built by the driver from its seed cells as stored.

Once every seed cell of a setting (recipe × hyper combination) is in the store — trained
in this run or reused from an earlier one, linked into this run either way — the driver
reads their checkpoints and training measurements back and turns them into one record
whose measurements are the stability figures (``metrics.stability``). Reading from the
store gives reused and new seed cells one path.
"""

from __future__ import annotations

import pandas as pd
import torch

from benchbench.metrics.stability import SeedHistory, stability_measurements
from benchbench.metrics.stats import BootstrapSpec
from benchbench.records import CellRecord, now
from benchbench.run.cell import mark_failed
from benchbench.run.training_plan import SettingPlan
from benchbench.store.runs import Store
from benchbench.suite.load import LoadedSuite


def stability_record(
    setting: SettingPlan,
    loaded: LoadedSuite,
    store: Store,
    run_id: str,
    env_id: str,
    device: torch.device,
) -> CellRecord:
    """The stability cell of ``setting`` from its seed cells stored in ``run_id`` (a failed
    record naming the seeds that are not complete)."""
    suite = loaded.suite
    training = suite.training
    first = setting.cells[0]
    record = CellRecord(
        cell_key=setting.key,
        run_id=run_id,
        suite_name=suite.name,
        model_name=setting.recipe.name,
        family=setting.trainer.family,
        adapter=f"stability:{setting.trainer.name}",
        params=setting.hyper,
        suite_params=setting.suite_params,
        weights=None,
        model_fingerprint=first.model_fingerprint,
        device=str(device),
        env_id=env_id,
        seed=suite.seed,
        num_samples=first.sampling.num_samples,
        batch_size=first.sampling.batch_size,
        status="complete",
        started_at=now(),
        finished_at=now(),
    )
    status = {c.position: c.status for c in store.run_cells(run_id)}
    missing = [c.seed for c in setting.cells if status.get(c.position) != "complete"]
    if missing:
        seeds = ", ".join(map(str, missing))
        return mark_failed(record, f"seed cells not complete (seeds {seeds}): no stability figures")
    checkpoints = store.run_training_checkpoints(run_id)
    flags = {
        (m.position, m.metric): m.value
        for m in store.run_measurements(run_id)
        if m.metric in ("diverged", "collapsed")
    }
    quality = checkpoints[checkpoints["metric"] == training.quality]
    histories = [seed_history(quality, flags, c.position) for c in setting.cells]
    higher_is_better = bool(quality["higher_is_better"].iloc[0])
    spec = BootstrapSpec(suite.bootstrap.resamples, suite.bootstrap.confidence, suite.seed)
    record.measurements = stability_measurements(
        histories, training.quality, higher_is_better, training.collapse, training.target, spec
    )
    record.finished_at = now()
    return record


def seed_history(
    quality: pd.DataFrame, flags: dict[tuple[int, str], float], position: int
) -> SeedHistory:
    """One seed cell's quality curve and flags, from the run's checkpoint rows."""
    rows = quality[quality["position"] == position].sort_values("step")
    return SeedHistory(
        steps=[int(s) for s in rows["step"]],
        seconds=[float(s) for s in rows["train_seconds"]],
        quality=[float(v) for v in rows["value"]],
        diverged=bool(flags[(position, "diverged")]),
        collapsed=bool(flags[(position, "collapsed")]),
    )
