"""Progress hooks of a run (the CLI draws progress bars with them)."""

from __future__ import annotations

from typing import Protocol

from benchbench.records import CellRecord
from benchbench.run.plan import CellPlan
from benchbench.run.training_plan import TrainingCellPlan


class RunObserver(Protocol):
    """What a run reports as it goes."""

    def run_started(self, run_id: str, cells: list[CellPlan]) -> None: ...
    def cell_skipped(self, cell: CellPlan) -> None: ...
    def cell_started(self, cell: CellPlan, batches: int) -> None: ...
    def batch_done(self, cell: CellPlan) -> None: ...
    def metrics_started(self, cell: CellPlan) -> None: ...
    def cell_finished(self, cell: CellPlan, record: CellRecord) -> None: ...
    # training cells: their steps (``done`` of them already, on resuming) and checkpoints
    def training_started(self, cell: TrainingCellPlan, steps: int, done: int) -> None: ...
    def step_done(self, cell: TrainingCellPlan) -> None: ...
    def checkpoint_done(self, cell: TrainingCellPlan, step: int) -> None: ...
    def cell_warning(self, cell: CellPlan | TrainingCellPlan, message: str) -> None: ...


class SilentObserver:
    def run_started(self, run_id: str, cells: list[CellPlan]) -> None:
        pass

    def cell_skipped(self, cell: CellPlan) -> None:
        pass

    def cell_started(self, cell: CellPlan, batches: int) -> None:
        pass

    def batch_done(self, cell: CellPlan) -> None:
        pass

    def metrics_started(self, cell: CellPlan) -> None:
        pass

    def cell_finished(self, cell: CellPlan, record: CellRecord) -> None:
        pass

    def training_started(self, cell: TrainingCellPlan, steps: int, done: int) -> None:
        pass

    def step_done(self, cell: TrainingCellPlan) -> None:
        pass

    def checkpoint_done(self, cell: TrainingCellPlan, step: int) -> None:
        pass

    def cell_warning(self, cell: CellPlan | TrainingCellPlan, message: str) -> None:
        pass
