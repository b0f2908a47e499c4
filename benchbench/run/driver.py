"""Runs a suite: plans its cells, skips the ones already stored, has the rest measured,
and stores each record as it arrives.

Where and how a cell is measured is not this module's business: an executor
(``benchbench.run.executors``: this process, or a Ray cluster) runs ``run.cell`` on each
pending cell. The driver stays the single writer of the store and records each cell with
the environment of the machine that measured it. A failed cell is stored as failed and
the run goes on; Ctrl-C stops the run and leaves every completed cell in place, so the
next run resumes.
"""

from __future__ import annotations

import contextlib
import shutil
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import torch

import benchbench
from benchbench.measure import envinfo
from benchbench.outputs import output_kind
from benchbench.run.executors import EXECUTORS
from benchbench.run.executors.base import AnyCell, CellJob, Executor
from benchbench.run.observer import RunObserver, SilentObserver
from benchbench.run.plan import plan_cells
from benchbench.run.stability import stability_record
from benchbench.run.training_plan import SettingPlan, plan_training
from benchbench.store.runs import Store
from benchbench.suite.load import LoadedSuite


@dataclass(frozen=True)
class RunResult:
    run_id: str
    status: str
    executed: int
    skipped: int
    failed: int


def run_suite(
    loaded: LoadedSuite,
    store: Store,
    *,
    device: str | None = None,
    fresh: bool = False,
    observer: RunObserver | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Run every cell of ``loaded`` not already complete in ``store`` (all of them if ``fresh``)
    on ``executor`` (this process by default)."""
    observer = observer or SilentObserver()
    executor = executor or EXECUTORS.get("local")()
    suite = loaded.suite
    torch_device = executor.resolve_device(device or suite.device)
    cells, settings = plan(loaded, torch_device)
    env = envinfo.capture(torch_device)
    env_id = store.save_environment(env)
    run_id = store.start_run(
        suite.name,
        loaded.suite_hash,
        str(loaded.path),
        suite.model_dump(mode="json"),
        env_id,
        benchbench.__version__,
        planned_cells=len(cells) + len(settings),
    )
    observer.run_started(run_id, [*cells, *settings])
    kind = output_kind(suite, torch_device, loaded.prompts())
    executed = skipped = failed = 0
    status = "interrupted"
    state_dir = training_state_dir(store)
    try:
        pending = []
        for cell in cells:
            existing = None if fresh else store.find_complete_cell(cell.key)
            if existing is None:
                pending.append(cell)
                continue
            store.link_cell(run_id, existing, cell.position)
            skipped += 1
            observer.cell_skipped(cell)
        job = CellJob(loaded, torch_device, run_id, kind, kind.evaluator(), env, state_dir)
        with closing(executor.execute(job, pending, observer)) as outcomes:
            for outcome in outcomes:
                outcome.record.env_id = store.save_environment(outcome.environment)
                store.save_cell(outcome.record, outcome.cell.position)
                forget_state(state_dir, outcome.record.cell_key)
                executed += 1
                failed += outcome.record.status == "failed"
                observer.cell_finished(outcome.cell, outcome.record)
        for setting in settings:
            existing = None if fresh else store.find_complete_cell(setting.key)
            if existing is not None:
                store.link_cell(run_id, existing, setting.position)
                skipped += 1
                observer.cell_skipped(setting)
                continue
            record = stability_record(setting, loaded, store, run_id, env_id, torch_device)
            store.save_cell(record, setting.position)
            executed += 1
            failed += record.status == "failed"
            observer.cell_finished(setting, record)
        status = "complete" if failed == 0 else "complete-with-failures"
    finally:
        store.finish_run(run_id, status)
    return RunResult(run_id, status, executed, skipped, failed)


def plan(loaded: LoadedSuite, device: torch.device) -> tuple[list[AnyCell], list[SettingPlan]]:
    """The suite's cells to run, and (a training suite's) settings to summarise after them."""
    if loaded.suite.training is not None:
        return plan_training(loaded, device)
    return plan_cells(loaded, device), []


def training_state_dir(store: Store) -> Path | None:
    """Where training cells keep their resume state: beside the store file (none for a
    store in memory)."""
    if str(store.path) == ":memory:":
        return None
    return store.path.parent / "training-state"


def forget_state(state_dir: Path | None, key: str) -> None:
    """Delete a stored cell's resume state (and the state folder once it is empty)."""
    if state_dir is None or not (state_dir / key).exists():
        return
    shutil.rmtree(state_dir / key)
    with contextlib.suppress(OSError):  # other cells' states are still there
        state_dir.rmdir()
