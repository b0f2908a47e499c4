"""Cells measured one after another in this process: the default, and the reference for
every other executor's numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from benchbench.run.executors.base import AnyCell, CellJob, CellOutcome, Executor, measure


class LocalExecutor(Executor):
    def execute(self, job: CellJob, cells: list[AnyCell], observer: Any) -> Iterator[CellOutcome]:
        env_id = job.environment["env_id"]
        for cell in cells:
            yield CellOutcome(cell, measure(job, cell, env_id, observer), job.environment)
