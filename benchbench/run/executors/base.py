"""The executor contract: measure a run's pending cells and hand back each record.

The driver (``runner.run_suite``) plans the cells, skips the stored ones, and is the
only writer of the store; an executor only decides where ``execute_cell`` runs and
yields every cell's record with the environment it was measured in, in completion
order. Executors take their options as a declared pydantic model, as adapters take
their params, so a wrong option is an error naming it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import BaseModel, ConfigDict

from benchbench.measure.allocator import pin_thresholds
from benchbench.measure.device import resolve_device
from benchbench.outputs.base import Evaluator, OutputKind
from benchbench.records import CellRecord
from benchbench.run.plan import CellPlan
from benchbench.run.training_plan import TrainingCellPlan
from benchbench.suite.load import LoadedSuite


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class CellJob:
    """What every cell of a run shares (sent once to each worker)."""

    loaded: LoadedSuite
    device: torch.device
    run_id: str
    kind: OutputKind
    evaluator: Evaluator
    environment: dict[str, Any]  # the driver's; a local cell is measured in it
    state_dir: Path | None = None  # where training cells keep their resume state


AnyCell = CellPlan | TrainingCellPlan


def measure(job: CellJob, cell: AnyCell, env_id: str, observer: Any) -> CellRecord:
    """One cell's record: a sampling cell measured, or a training cell trained."""
    from benchbench.run.cell import execute_cell
    from benchbench.run.training import execute_training_cell

    pin_thresholds()  # once per process, before its first cell: a Ray worker's too
    if isinstance(cell, TrainingCellPlan):
        return execute_training_cell(cell, job, env_id, observer)
    return execute_cell(
        cell, job.loaded, job.device, job.evaluator, job.run_id, env_id, observer, job.kind
    )


def failed_record(job: CellJob, cell: AnyCell, env_id: str, error: str) -> CellRecord:
    """The failed record of a cell that could not run at all (its worker died, or lacked
    the device)."""
    from benchbench.run.cell import mark_failed, new_record
    from benchbench.run.training import training_record

    if isinstance(cell, TrainingCellPlan):
        record = training_record(cell, job, env_id)
    else:
        record = new_record(cell, job.loaded, job.device, job.run_id, env_id)
    return mark_failed(record, error)


@dataclass
class CellOutcome:
    cell: AnyCell
    record: CellRecord
    environment: dict[str, Any]  # where the cell ran; the driver stores it for the record


class Executor(ABC):
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: BaseModel | None = None):
        self.options = options if options is not None else self.Options()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release what the executor started (a local cluster); nothing by default."""
        return None

    def resolve_device(self, spec: str) -> torch.device:
        """The device cells run on (``auto`` resolved where the cells will run)."""
        return resolve_device(spec)

    @abstractmethod
    def execute(self, job: CellJob, cells: list[AnyCell], observer: Any) -> Iterator[CellOutcome]:
        """Measure ``cells``; yield each outcome as it completes. Closing the iterator early
        (Ctrl-C in the driver) stops the cells still running."""
