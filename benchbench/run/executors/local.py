"""Cells measured one after another in this process: the default, and the reference for
every other executor's numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from benchbench.run.cell import execute_cell
from benchbench.run.executors.base import CellJob, CellOutcome, Executor
from benchbench.run.plan import CellPlan


class LocalExecutor(Executor):
    def execute(self, job: CellJob, cells: list[CellPlan], observer: Any) -> Iterator[CellOutcome]:
        env_id = job.environment["env_id"]
        for cell in cells:
            record = execute_cell(
                cell, job.loaded, job.device, job.evaluator, job.run_id, env_id, observer, job.kind
            )
            yield CellOutcome(cell, record, job.environment)
