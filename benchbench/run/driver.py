"""Runs a suite: plans its cells, skips the ones already stored, measures the rest.

For each cell: load the model (timed as the cold load), reset peak memory, time
sampling with the Timer — the steady-state batches that are timed are the very
batches whose samples are scored, so quality and speed describe the same samples —
count the work of one more call for the roofline (where the suite asks; untimed),
then compute the quality metrics and write the cell in one transaction. A cell that
raises (or calls ``sys.exit``) is stored as failed with its error and the run goes on;
Ctrl-C stops the run and leaves every completed cell in place, so the next run resumes.

Where a cell is measured is the executor's business (``benchbench.run.executors``: this
process, or a Ray cluster); this driver stays the single writer of the store, and
records each cell with the environment of the machine that measured it.
"""

from __future__ import annotations

import math
import traceback
from contextlib import closing
from dataclasses import dataclass
from typing import Protocol

import torch

import benchbench
from benchbench.adapters.base import Adapter
from benchbench.hashing import stable_hash
from benchbench.measure import efficiency, envinfo
from benchbench.measure.memory import PeakMemory
from benchbench.measure.timing import Timer, Timing, TimingPolicy, no_sync
from benchbench.metrics import MetricResult
from benchbench.metrics.stats import BootstrapSpec, bootstrap_median_interval
from benchbench.outputs.base import Evaluator, OutputKind, output_kind
from benchbench.records import CellRecord, Measurement, now
from benchbench.run.executors import EXECUTORS
from benchbench.run.executors.base import CellJob, Executor
from benchbench.run.plan import CellPlan, plan_cells
from benchbench.store.runs import Store
from benchbench.suite.schema import LoadedSuite

SPEED_METRICS = (
    "samples_per_s",
    "latency_median_s",
    "latency_p90_s",
    "latency_p99_s",
    "timing_cv",
    "load_s",
    "first_batch_s",
    "tokens_per_s",  # text: new tokens / wall seconds, at the median call
    "ttft_median_s",  # text: time to the first new token of a batch
)


class RunObserver(Protocol):
    """Progress hooks (the CLI draws progress bars with them)."""

    def run_started(self, run_id: str, cells: list[CellPlan]) -> None: ...
    def cell_skipped(self, cell: CellPlan) -> None: ...
    def cell_started(self, cell: CellPlan, batches: int) -> None: ...
    def batch_done(self, cell: CellPlan) -> None: ...
    def metrics_started(self, cell: CellPlan) -> None: ...
    def cell_finished(self, cell: CellPlan, record: CellRecord) -> None: ...


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


@dataclass(frozen=True)
class RunResult:
    run_id: str
    status: str
    executed: int
    skipped: int
    failed: int


def batch_seed(seed: int, index: int) -> int:
    """The seed of batch ``index`` (negative for warm-up); equal across cells of a suite."""
    return int(stable_hash([seed, index], length=15), 16)


def synchronizer(device: torch.device):
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return no_sync


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
    cells = plan_cells(loaded, torch_device)
    env = envinfo.capture(torch_device)
    env_id = store.save_environment(env)
    run_id = store.start_run(
        suite.name,
        loaded.suite_hash,
        str(loaded.path),
        suite.model_dump(mode="json"),
        env_id,
        benchbench.__version__,
        planned_cells=len(cells),
    )
    observer.run_started(run_id, cells)
    kind = output_kind(suite, torch_device, loaded.prompts())
    executed = skipped = failed = 0
    status = "interrupted"
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
        job = CellJob(loaded, torch_device, run_id, kind, kind.evaluator(), env)
        with closing(executor.execute(job, pending, observer)) as outcomes:
            for outcome in outcomes:
                outcome.record.env_id = store.save_environment(outcome.environment)
                store.save_cell(outcome.record, outcome.cell.position)
                executed += 1
                failed += outcome.record.status == "failed"
                observer.cell_finished(outcome.cell, outcome.record)
        status = "complete" if failed == 0 else "complete-with-failures"
    finally:
        store.finish_run(run_id, status)
    return RunResult(run_id, status, executed, skipped, failed)


def new_record(
    cell: CellPlan, loaded: LoadedSuite, device: torch.device, run_id: str, env_id: str
) -> CellRecord:
    """A cell's record before anything is measured: what it is, where, and with which seed."""
    suite = loaded.suite
    return CellRecord(
        cell_key=cell.key,
        run_id=run_id,
        suite_name=suite.name,
        model_name=cell.model.name,
        family=cell.adapter.family,
        adapter=cell.model.adapter,
        params=cell.params,
        suite_params=cell.given,
        weights=cell.model.weights or (cell.model.init if cell.config is not None else None),
        model_fingerprint=cell.fingerprint,
        device=str(device),
        env_id=env_id,
        seed=suite.seed,
        num_samples=cell.sampling.num_samples,
        batch_size=cell.sampling.batch_size,
        status="complete",
        started_at=now(),
        finished_at=now(),
    )


def mark_failed(record: CellRecord, error: str) -> CellRecord:
    """``record`` as a failed cell: its error kept, no measurements or samples."""
    record.status = "failed"
    record.error = error
    record.measurements.clear()
    record.artifacts.clear()
    record.finished_at = now()
    return record


def describe_error(exc: BaseException) -> str:
    """One line naming what stopped a cell; a model's ``sys.exit`` is said in those words,
    since "SystemExit: 0" reads like success."""
    if isinstance(exc, SystemExit):
        return f"SystemExit: the model called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def execute_cell(
    cell: CellPlan,
    loaded: LoadedSuite,
    device: torch.device,
    evaluator: Evaluator,
    run_id: str,
    env_id: str,
    observer: RunObserver,
    kind: OutputKind,
) -> CellRecord:
    suite = loaded.suite
    record = new_record(cell, loaded, device, run_id, env_id)
    try:
        adapter, samples = _measure(cell, suite, device, record, observer, kind)
        observer.metrics_started(cell)
        results = evaluator.evaluate(samples, adapter=adapter, model_key=cell.fingerprint)
        record.measurements.extend(quality_measurements(results, suite.bootstrap.confidence))
        record.artifacts.extend(kind.artifacts(samples, suite.seed))
    except KeyboardInterrupt:
        raise  # Ctrl-C stops the run; the cells completed so far stay stored
    except BaseException as exc:  # a broken cell — even one calling sys.exit() — is recorded
        error = f"{describe_error(exc)}\n{traceback.format_exc(limit=8)}"
        return mark_failed(record, error)
    record.finished_at = now()
    return record


def _measure(
    cell, suite, device, record: CellRecord, observer, kind: OutputKind
) -> tuple[Adapter, object]:
    """Load and time the model; fill ``record``'s speed, memory, roofline and timing rows;
    return the loaded model (latent metrics use it) and the samples."""
    seed = suite.seed
    sampling = cell.sampling
    batches = math.ceil(sampling.num_samples / sampling.batch_size)
    policy = TimingPolicy(**suite.timing.model_dump())
    timer = Timer(policy, synchronizer(device))
    memory = PeakMemory(device)
    memory.reset()
    adapter, load_seconds = timer.time_call(lambda: cell.open(device))
    who = f"model {cell.model.name!r} ({cell.model.adapter})"
    kept: list[object] = []

    accepted = {name for name in kind.batch_inputs(0, sampling.batch_size) if adapter.accepts(name)}

    def call(index: int) -> object:
        generator = torch.Generator(device).manual_seed(batch_seed(seed, index))
        inputs = kind.batch_inputs(index, sampling.batch_size)
        inputs = {name: value for name, value in inputs.items() if name in accepted}
        with torch.inference_mode():
            return adapter.sample(sampling.batch_size, generator, **inputs, **cell.call_params)

    def keep(index: int, batch: object) -> None:
        if index < batches:
            kept.append(kind.check(batch, sampling.batch_size, who))
        observer.batch_done(cell)

    observer.cell_started(cell, batches)
    timing = timer.measure(call, sampling.batch_size, min_calls=batches, on_result=keep)
    peaks = memory.read()
    record.timing_samples.extend(timing_rows(timing, load_seconds))
    spec = BootstrapSpec(resamples=1000, confidence=0.95, seed=seed)
    speed = speed_measurements(timing, load_seconds, policy, spec)
    record.measurements.extend(speed)
    record.measurements.extend(kind.speed_measurements(adapter, cell.call_params, timer, speed[0]))
    record.measurements.extend(
        Measurement(name, float(value), "memory", "bytes", higher_is_better=False)
        for name, value in peaks.items()
    )
    if efficiency.wanted(suite.roofline, device):
        peak = efficiency.peak_of(device)
        networks = adapter.networks()
        record.measurements.extend(
            efficiency.roofline_measurements(networks, lambda: call(0), timing, peak)
        )
    return adapter, kind.collect(kept, sampling.num_samples)


def timing_rows(timing: Timing, load_seconds: float) -> list[tuple[str, int, float, int]]:
    items = timing.items_per_call
    return [
        ("load", 0, load_seconds, 0),
        ("first", 0, timing.first_call_seconds, items),
        *(("warmup", i, s, items) for i, s in enumerate(timing.warmup_seconds)),
        *(("steady", i, s, items) for i, s in enumerate(timing.steady_seconds)),
    ]


def speed_measurements(
    timing: Timing, load_seconds: float, policy: TimingPolicy, spec: BootstrapSpec
) -> list[Measurement]:
    """Throughput with a CI (bootstrap of the median latency), latency percentiles, CV,
    and the cold costs (load, first batch)."""
    items = timing.items_per_call
    signature = {
        "timing": policy.__dict__,
        "batch_size": items,
        "ci": f"{spec.signature()},percentile",
    }
    n = timing.repeats
    slow, fast = bootstrap_median_interval(timing.steady_seconds, spec)

    def seconds(metric: str, value: float) -> Measurement:
        return Measurement(
            metric, value, "speed", "s", higher_is_better=False, n=n, signature=signature
        )

    return [
        Measurement(
            "samples_per_s",
            timing.items_per_second,
            "speed",
            "samples/s",
            higher_is_better=True,
            ci_low=items / fast,
            ci_high=items / slow,
            ci_level=spec.confidence,
            n=n,
            signature=signature,
        ),
        seconds("latency_median_s", timing.median),
        seconds("latency_p90_s", timing.percentile(90)),
        seconds("latency_p99_s", timing.percentile(99)),
        Measurement(
            "timing_cv", timing.cv, "speed", "", higher_is_better=False, n=n, signature=signature
        ),
        seconds("load_s", load_seconds),
        seconds("first_batch_s", timing.first_call_seconds),
    ]


def quality_measurements(results: list[MetricResult], ci_level: float) -> list[Measurement]:
    return [
        Measurement(
            r.metric,
            r.value,
            "quality",
            r.unit,
            higher_is_better=r.higher_is_better,
            label=r.label,
            ci_low=r.ci_low,
            ci_high=r.ci_high,
            ci_level=ci_level if r.ci_low is not None else None,
            n=r.n,
            signature=r.signature,
            signature_hash=r.signature_hash,
            warnings=r.warnings,
        )
        for r in results
    ]
