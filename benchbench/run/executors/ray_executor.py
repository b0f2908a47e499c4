"""Cells as Ray tasks: a suite spread over a cluster, stored by the driver alone.

Each cell is one task asking for its model's ``resources`` (CPUs, GPUs — one by default
when the device is CUDA — and memory). The evaluator is prepared once, in one task
on the cells' device, and every cell task receives that copy through the object
store, so reference features are computed once per run however many workers there
are (and once per cache directory across runs). A task returns its ``CellRecord``
and the environment of the worker that measured it; the driver writes each as it
completes. A worker that dies is retried up to ``max_retries`` times and its cell
stored once; a cell whose every try died is stored as failed with Ray's error.
Closing the executor's iterator (Ctrl-C in the driver) cancels the tasks in flight.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field

from benchbench.measure import envinfo
from benchbench.measure.device import resolve_device
from benchbench.run.executors.base import (
    AnyCell,
    CellJob,
    CellOutcome,
    Executor,
    failed_record,
    measure,
)

INSTALL_HINT = "the ray executor needs Ray: pip install 'benchbench[ray]'"


class RayOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str | None = Field(
        None, description="'auto' or HOST:PORT of a running cluster; none starts a local one"
    )
    max_parallel: int | None = Field(None, gt=0, description="at most this many cells in flight")
    max_retries: int = Field(3, ge=0, description="reruns of a cell whose worker died")


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError(INSTALL_HINT) from exc
    return ray


class RayExecutor(Executor):
    Options = RayOptions
    options: RayOptions

    def __init__(self, options: BaseModel | None = None):
        super().__init__(options)
        self._connected = False

    def connect(self) -> Any:
        """Ray, attached to ``address`` or to a new local cluster this executor starts (a Ray
        already initialised in this process is used as it is)."""
        ray = _ray()
        if not ray.is_initialized():
            from ray.job_config import JobConfig

            # Workers import ``module:function`` adapters from the directory the run started
            # in, as the driver does (see ``benchbench.cli.app.main``).
            ray.init(
                # "local" starts a new cluster even where an earlier one left its address behind
                address=self.options.address or "local",
                include_dashboard=False,
                job_config=JobConfig(code_search_path=[os.getcwd()]),
            )
            self._connected = True
        return ray

    def close(self) -> None:
        """Disconnect, which also stops a local cluster this executor started."""
        if self._connected:
            _ray().shutdown()
            self._connected = False

    def resolve_device(self, spec: str) -> torch.device:
        """``auto`` is CUDA when the cluster has GPUs; whether a worker really has the device
        is checked on the worker, where a missing one fails the cell."""
        gpus = self.connect().cluster_resources().get("GPU", 0)
        if spec == "auto":
            return torch.device("cuda" if gpus > 0 else "cpu")
        device = torch.device(spec)
        if device.type == "cuda" and gpus == 0:
            raise RuntimeError(f"device {spec!r} requested but the Ray cluster has no GPUs")
        return device

    def task_options(self, cell: AnyCell, device: torch.device) -> dict[str, Any]:
        wanted = cell.resources
        gpus = wanted.num_gpus
        if gpus is None:
            gpus = 1 if device.type == "cuda" else 0
        options: dict[str, Any] = {
            "num_cpus": wanted.num_cpus,
            "num_gpus": gpus,
            "max_retries": self.options.max_retries,
            "retry_exceptions": False,  # a cell that raises is already a failed record
            "name": f"bench cell {cell.position}: {cell.label}",
        }
        if wanted.memory is not None:
            options["memory"] = wanted.memory
        return options

    def execute(self, job: CellJob, cells: list[AnyCell], observer: Any) -> Iterator[CellOutcome]:
        if not cells:
            return
        ray = self.connect()
        prepare = ray.remote(prepare_job).options(
            num_cpus=1, num_gpus=1 if job.device.type == "cuda" else 0
        )
        measure_task = ray.remote(measure_cell)
        prepared = prepare.remote(job)
        limit = self.options.max_parallel or len(cells)
        waiting = list(cells)
        running: dict[Any, AnyCell] = {}
        try:
            while waiting or running:
                while waiting and len(running) < limit:
                    cell = waiting.pop(0)
                    task = measure_task.options(**self.task_options(cell, job.device))
                    running[task.remote(prepared, cell)] = cell
                done, _ = ray.wait(list(running), num_returns=1)
                cell = running.pop(done[0])
                yield self._outcome(ray, done[0], cell, job)
        finally:
            for ref in [*running, prepared]:
                ray.cancel(ref)

    def _outcome(self, ray: Any, ref: Any, cell: AnyCell, job: CellJob) -> CellOutcome:
        try:
            return ray.get(ref)
        except ray.exceptions.RayError as exc:  # every try's worker died, or it never ran
            error = f"{type(exc).__name__} (tried {self.options.max_retries + 1} times): {exc}"
            record = failed_record(job, cell, job.environment["env_id"], error)
            return CellOutcome(cell, record, job.environment)


def prepare_job(job: CellJob) -> CellJob:
    """``job`` with its evaluator's shared inputs computed (on the cells' device)."""
    job.evaluator.prepare()
    return job


@functools.cache
def _worker_environment(device: str) -> dict[str, Any]:
    """This worker process's environment, captured once: Ray reuses workers across cells,
    and a capture runs git, reads package metadata and queries the GPU."""
    return envinfo.capture(torch.device(device))


def measure_cell(job: CellJob, cell: AnyCell) -> CellOutcome:
    """One cell on a worker, measured as locally, with this worker's environment."""
    from benchbench.run.observer import SilentObserver

    environment = _worker_environment(str(job.device))
    env_id = environment["env_id"]
    try:
        resolve_device(str(job.device))
    except RuntimeError as exc:  # this worker lacks the device the suite runs on
        return CellOutcome(cell, failed_record(job, cell, env_id, str(exc)), environment)
    return CellOutcome(cell, measure(job, cell, env_id, SilentObserver()), environment)
