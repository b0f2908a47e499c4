"""Measures one cell: load the model, time its sampling, read peak memory, count the
roofline work, score the samples — and return it all as a ``CellRecord``.

The cold load is timed apart; the steady-state batches that are timed are the very
batches whose samples are scored, so quality and speed describe the same samples; the
roofline's extra call runs outside the timed region. A cell that raises (or calls
``sys.exit``) comes back as a failed record with its error; Ctrl-C goes through.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import torch

from benchbench.adapters.base import Adapter
from benchbench.hashing import stable_hash
from benchbench.measure import efficiency
from benchbench.measure.device import synchronizer
from benchbench.measure.memory import PeakMemory
from benchbench.measure.roofline import Work, count_work
from benchbench.measure.timing import Timer, Timing, TimingPolicy
from benchbench.metrics import MetricResult
from benchbench.metrics.stats import BootstrapSpec, bootstrap_median_interval
from benchbench.outputs.base import Evaluator, OutputKind
from benchbench.records import CellRecord, Measurement, now
from benchbench.run.observer import RunObserver
from benchbench.run.plan import CellPlan
from benchbench.run.training_plan import TrainingCellPlan
from benchbench.run.variant import (
    AUTOCAST_DTYPES,
    GraphCacheCounts,
    autocast_region,
    cache_state,
    compile_networks,
    prepare,
)
from benchbench.suite.load import LoadedSuite
from benchbench.suite.schema import Suite, Variant


def batch_seed(seed: int, index: int) -> int:
    """The seed of batch ``index`` (negative for warm-up); equal across cells of a suite."""
    return int(stable_hash([seed, index], length=15), 16)


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
        suite_params=cell.suite_params,
        weights=cell.model.weights or (cell.model.init if cell.config is not None else None),
        model_fingerprint=cell.model_fingerprint,
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
    """The cell measured and scored, or its failed record (only Ctrl-C escapes)."""
    suite = loaded.suite
    record = new_record(cell, loaded, device, run_id, env_id)
    try:
        adapter, samples = _measure(cell, suite, device, record, observer, kind)
        observer.metrics_started(cell)
        results = evaluator.evaluate(
            samples, adapter=adapter, model_fingerprint=cell.model_fingerprint
        )
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
    cell: CellPlan,
    suite: Suite,
    device: torch.device,
    record: CellRecord,
    observer: RunObserver,
    kind: OutputKind,
) -> tuple[Adapter, object]:
    """Load and time the model; fill ``record``'s speed, memory, roofline and timing rows;
    return the loaded model (latent metrics use it) and the samples."""
    policy = TimingPolicy(**suite.timing.model_dump())
    timer = Timer(policy, synchronizer(device))
    memory = PeakMemory(device)
    memory.reset()
    adapter, load_seconds = timer.time_call(lambda: cell.open(device))
    networks = prepare(cell.variant, adapter, device)
    call = BatchCaller(cell, adapter, kind, suite.seed, device, cell.variant)
    eager_work = eager_roofline_work(cell, suite, device, networks, call)
    compiled = compile_and_time(cell, networks, timer, call)
    timing, kept = time_batches(cell, timer, call, kind, observer)
    peaks = memory.read()
    record.timing_samples.extend(timing_rows(timing, load_seconds, compiled))
    spec = BootstrapSpec(resamples=1000, confidence=0.95, seed=suite.seed)
    speed = speed_measurements(timing, load_seconds, policy, spec, compiled)
    record.measurements.extend(speed)
    samples = kind.collect(kept, cell.sampling.num_samples, adapter, model_who(cell))
    record.measurements.extend(
        kind.speed_measurements(adapter, cell.call_params, timer, speed[0], samples)
    )
    record.measurements.extend(memory_measurements(peaks))
    record.measurements.extend(
        roofline_rows(suite, device, cell, networks, call, timing, eager_work)
    )
    return adapter, samples


def eager_roofline_work(
    cell: CellPlan,
    suite: Suite,
    device: torch.device,
    networks: list[torch.nn.Module],
    call: Callable[[int], object],
) -> Work | None:
    """For a compiled cell whose roofline is wanted, the work of batch 0 counted on the
    still-eager networks: the flop counter cannot see inside compiled kernels, and compiling
    changes how the work is done, not how much of it there is."""
    if cell.variant.compile == "off" or not networks:
        return None
    if not efficiency.wanted(suite.roofline, device):
        return None
    return count_work(torch.nn.ModuleList(networks), lambda: call(0))


@dataclass(frozen=True)
class Compiled:
    """The call that compiled a cell's networks: its seconds (compile plus one batch,
    untimed in the steady figures) and inductor's cache state (see ``cache_state``)."""

    seconds: float
    cache: str


def compile_and_time(
    cell: CellPlan, networks: list[torch.nn.Module], timer: Timer, call: Callable[[int], object]
) -> Compiled | None:
    """Compile the networks and time the call that does it; None for an eager cell."""
    if cell.variant.compile == "off":
        return None
    compile_networks(cell.variant, networks)
    before = GraphCacheCounts.now()
    _, seconds = timer.time_call(lambda: call(-1))
    return Compiled(seconds, cache_state(before, GraphCacheCounts.now()))


def model_who(cell: CellPlan) -> str:
    """How errors about the cell's model name it."""
    return f"model {cell.model.name!r} ({cell.model.adapter})"


class BatchCaller:
    """``call(index)``: one batch of the model, seeded by its index, under the variant's
    autocast, with the inputs the output kind provides (prompts, labels) that the model
    accepts.

    ``prepare(index)`` makes that batch's generator and inputs ahead, so the Timer keeps the
    harness's own per-call work out of the timed region: seeding a generator inside the
    timed call read a 5 ms DCGAN call 1–3% slower than a bare loop on a 2-core CPU
    (``benchmarks/timer_overhead.py``). A call that was not prepared makes them itself."""

    def __init__(
        self,
        cell: CellPlan | TrainingCellPlan,
        adapter: Adapter,
        kind: OutputKind,
        seed: int,
        device: torch.device,
        variant: Variant | None = None,
    ):
        self.cell, self.adapter, self.kind = cell, adapter, kind
        self.seed, self.device = seed, device
        self.variant = variant or Variant()
        self.size = cell.sampling.batch_size
        self.accepted = {name for name in kind.batch_inputs(0, self.size) if adapter.accepts(name)}
        self.prepared: tuple[int, torch.Generator, dict] | None = None

    def prepare(self, index: int) -> None:
        self.prepared = self.made_for(index)

    def made_for(self, index: int) -> tuple[int, torch.Generator, dict]:
        """Batch ``index``'s generator, seeded, and its accepted inputs."""
        inputs = self.kind.batch_inputs(index, self.size)
        inputs = {name: value for name, value in inputs.items() if name in self.accepted}
        generator = torch.Generator(self.device).manual_seed(batch_seed(self.seed, index))
        return index, generator, inputs

    def __call__(self, index: int) -> object:
        prepared, self.prepared = self.prepared, None
        if prepared is None or prepared[0] != index:
            prepared = self.made_for(index)
        _, generator, inputs = prepared
        with torch.inference_mode(), autocast_region(self.variant, self.device):
            return self.adapter.sample(self.size, generator, **inputs, **self.cell.call_params)


def time_batches(
    cell: CellPlan,
    timer: Timer,
    call: BatchCaller,
    kind: OutputKind,
    observer: RunObserver,
) -> tuple[Timing, list[object]]:
    """Time the steady calls; the first ones, enough for ``num_samples``, are checked and
    kept (outside the timed region): the scored samples are the timed ones."""
    sampling = cell.sampling
    batches = math.ceil(sampling.num_samples / sampling.batch_size)
    who = model_who(cell)
    kept: list[object] = []

    def keep(index: int, batch: object) -> None:
        if index < batches:
            kept.append(kind.check(batch, sampling.batch_size, who))
        observer.batch_done(cell)

    observer.cell_started(cell, batches)
    timing = timer.measure(
        call, sampling.batch_size, min_calls=batches, on_result=keep, prepare=call.prepare
    )
    return timing, kept


def memory_measurements(peaks: dict[str, int]) -> list[Measurement]:
    """The cell's peak memory readings (allocated, reserved, ...), in bytes."""
    return [
        Measurement(name, float(value), "memory", "bytes", higher_is_better=False)
        for name, value in peaks.items()
    ]


def roofline_rows(
    suite: Suite,
    device: torch.device,
    cell: CellPlan,
    networks: list[torch.nn.Module],
    call: Callable[[int], object],
    timing: Timing,
    counted: Work | None,
) -> list[Measurement]:
    """The work of one more call of batch 0 (or ``counted`` before compiling), outside the
    timed region, against the timed median; none unless the suite's ``roofline`` asks for
    it on this device. Under autocast the peak is the autocast dtype's."""
    if not efficiency.wanted(suite.roofline, device):
        return []
    peak = efficiency.peak_of(device)
    dtype = AUTOCAST_DTYPES.get(cell.variant.autocast)
    return efficiency.roofline_measurements(
        networks, lambda: call(0), timing, peak, counted=counted, dtype=dtype
    )


def timing_rows(
    timing: Timing, load_seconds: float, compiled: Compiled | None = None
) -> list[tuple[str, int, float, int]]:
    items = timing.items_per_call
    compiling = [] if compiled is None else [("compile", 0, compiled.seconds, items)]
    return [
        ("load", 0, load_seconds, 0),
        *compiling,
        ("first", 0, timing.first_call_seconds, items),
        *(("warmup", i, s, items) for i, s in enumerate(timing.warmup_seconds)),
        *(("steady", i, s, items) for i, s in enumerate(timing.steady_seconds)),
    ]


def speed_measurements(
    timing: Timing,
    load_seconds: float,
    policy: TimingPolicy,
    spec: BootstrapSpec,
    compiled: Compiled | None = None,
) -> list[Measurement]:
    """Throughput with a CI (bootstrap of the median latency), latency percentiles, CV,
    and the cold costs (load, compile for a compiled cell, labelled with its cache state,
    first batch)."""
    items = timing.items_per_call
    signature = {
        "timing": policy.__dict__,
        "batch_size": items,
        "ci": f"{spec.signature()},percentile",
    }
    n = timing.repeats
    slow, fast = bootstrap_median_interval(timing.steady_seconds, spec)

    def seconds(metric: str, value: float, label: str | None = None) -> Measurement:
        return Measurement(
            metric,
            value,
            "speed",
            "s",
            higher_is_better=False,
            label=label,
            n=n,
            signature=signature,
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
        *([] if compiled is None else [seconds("compile_s", compiled.seconds, compiled.cache)]),
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
