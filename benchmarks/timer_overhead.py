"""Harness overhead: samples/s reported by `bench` vs a bare hand-written loop.

Two measurements, per cell of a suite:

- **Paired, one model** (``--pairs``, the precise one): the cell's model is loaded once;
  the harness's own timed loop (``run/cell.time_batches``: bench's Timer and batch caller,
  each call seeded, synchronised and timed, batches checked between calls) and a bare loop
  (the same calls back to back, timed as one block) take turns in short blocks of
  ``--block-calls`` calls, ABBA, many times. Both sides share weights, memory layout and
  compiled graphs, so only the harness differs; the median ratio over pairs is printed
  with its distribution-free 95% interval (target: inside 98%–102%).
- **Separate runs** (``--rounds``): `bench` runs the suite into a temporary store, then a
  freshly loaded model's bare loop makes as many calls as bench timed (after the same
  warm-up, and the compiling call of a compiled cell); rounds alternate which goes first.
  End to end, but a cell's speed moves by more than 2% between model loads on a CPU.

Both sides apply the cell's speed variant with `benchbench/run/variant.py`'s code
(channels-last, autocast, torch.compile), so both time the same compiled module; on a
GPU the bare loop is timed by CUDA events after a synchronize.
`benchmarks/gpu_vs_bare.py` runs this on the GPU suites.

    python benchmarks/timer_overhead.py [--suite suites/image.yaml] [--pairs 100] [--rounds 3]
    python benchmarks/timer_overhead.py --suite suites/variants-overhead.yaml --pairs 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from benchbench.adapters.base import Adapter
from benchbench.measure.allocator import pin_thresholds
from benchbench.measure.device import resolve_device, synchronizer
from benchbench.measure.timing import Timer, TimingPolicy
from benchbench.metrics.stats import order_statistic_median_interval
from benchbench.outputs import output_kind
from benchbench.report.summary import summarize_run
from benchbench.run.cell import BatchCaller, time_batches
from benchbench.run.driver import run_suite
from benchbench.run.observer import SilentObserver
from benchbench.run.plan import CellPlan, plan_cells
from benchbench.run.variant import compile_networks, prepare, under_autocast
from benchbench.store.runs import Store
from benchbench.suite.load import LoadedSuite, load_suite


def bare_sampler(
    cell: CellPlan, model: Adapter, inputs: dict, device: torch.device
) -> Callable[[int], object]:
    """The bare loop's call: one batch of the model, under the cell's autocast, with no
    per-call seeding, timing or checking."""
    given = {name: value for name, value in inputs.items() if model.accepts(name)}
    batch = cell.sampling.batch_size
    generator = torch.Generator(device).manual_seed(0)
    return under_autocast(
        cell.variant,
        device,
        lambda _: model.sample(batch, generator, **given, **cell.call_params),
    )


def time_block(
    sample: Callable[[int], object], device: torch.device, calls: int, warmup: int
) -> float:
    """Seconds of ``calls`` back-to-back calls timed as one block (CUDA events after a
    synchronize on a GPU, perf_counter on the CPU), after ``warmup`` untimed calls."""
    with torch.inference_mode():
        for index in range(warmup):
            sample(index)
        if device.type == "cuda":
            start, end = (torch.cuda.Event(enable_timing=True) for _ in range(2))
            torch.cuda.synchronize(device)
            start.record()
            for index in range(calls):
                sample(index)
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1000
        start_s = time.perf_counter()
        for index in range(calls):
            sample(index)
        return time.perf_counter() - start_s


def bare_loop(cell: CellPlan, inputs: dict, device: torch.device, calls: int, warmup: int) -> float:
    """samples/s of a freshly loaded model's bare loop: ``calls`` timed calls after
    ``warmup`` untimed ones (plus the compiling call of a compiled cell, as bench makes)."""
    model = cell.open(device)
    networks = prepare(cell.variant, model, device)
    sample = bare_sampler(cell, model, inputs, device)
    compile_networks(cell.variant, networks)
    warm = warmup + (cell.variant.compile != "off")
    return calls * cell.sampling.batch_size / time_block(sample, device, calls, warm)


@dataclass(frozen=True)
class BenchFigures:
    """One cell of one bench run, as `bench run` stored it."""

    median_speed: float  # samples/s at the median call: what bench reports
    mean_speed: float  # samples/s over all timed calls: the bare loop's statistic
    calls: int
    cv: float


def bench_round(loaded: LoadedSuite, db: Path) -> dict[int, BenchFigures]:
    """Each cell's figures (by position) from a fresh `bench run` of the suite into ``db``."""
    with Store(db) as store:
        run_id = run_suite(loaded, store, fresh=True).run_id
        rows = summarize_run(store, run_id)
        steady = store.run_steady_timings(run_id).groupby("position")
        totals = {position: (g["items"].sum(), g["seconds"].sum()) for position, g in steady}
    failed = [f"{r.model}: {r.error}" for r in rows if r.status != "complete"]
    if failed:
        raise RuntimeError("bench failed on:\n" + "\n".join(failed))
    return {
        r.position: BenchFigures(
            r.speed["samples_per_s"].value,
            float(totals[r.position][0] / totals[r.position][1]),
            r.speed["samples_per_s"].n,
            r.speed["timing_cv"].value,
        )
        for r in rows
    }


@dataclass(frozen=True)
class Comparison:
    """One cell: medians over rounds of bench's and the bare loop's samples/s."""

    label: str
    bench: float
    bare: float
    ratio: float  # bench's reported (median-call) samples/s over the bare loop's
    mean_ratio: float  # bench's mean-call samples/s over the bare loop's: like for like
    cv: float  # bench's timing CV (median over rounds)
    calls: int


def compare(
    loaded: LoadedSuite, device: torch.device, rounds: int, db: Path | None = None
) -> list[Comparison]:
    """Bench vs bare per cell; bench's runs go to ``db`` if given (else a temporary store)."""
    cells = plan_cells(loaded, device)
    kind = output_kind(loaded.suite, device, loaded.prompts())
    figures: dict[int, list[tuple[BenchFigures, float]]] = {c.position: [] for c in cells}
    calls: dict[int, int] = {}  # bare loops make as many calls as bench timed in round 1
    warmup = loaded.suite.timing.warmup

    def bare_all() -> dict[int, float]:
        inputs = {c.position: kind.batch_inputs(0, c.sampling.batch_size) for c in cells}
        return {
            c.position: bare_loop(c, inputs[c.position], device, calls[c.position], warmup)
            for c in cells
        }

    with tempfile.TemporaryDirectory() as tmp:
        for round_index in range(rounds):
            load_before = os.getloadavg()[0]
            bare: dict[int, float] = {}
            if round_index % 2 == 1:  # bare first on odd rounds
                bare = bare_all()
            harness = bench_round(loaded, db or Path(tmp) / f"round{round_index}.duckdb")
            calls = calls or {position: f.calls for position, f in harness.items()}
            if round_index % 2 == 0:
                bare = bare_all()
            for c in cells:
                figures[c.position].append((harness[c.position], bare[c.position]))
                bench_speed = harness[c.position].median_speed
                print(f"  {c.label}: bench/bare {bench_speed / bare[c.position]:.1%}", flush=True)
            print(
                f"{loaded.suite.name}: round {round_index + 1}/{rounds} done; load average "
                f"(1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, "
                f"on {os.cpu_count()} CPUs",
                flush=True,
            )
    return [comparison(c.label, figures[c.position], calls[c.position]) for c in cells]


def comparison(label: str, rounds: list[tuple[BenchFigures, float]], calls: int) -> Comparison:
    """One cell's medians over rounds."""
    return Comparison(
        label,
        statistics.median(b.median_speed for b, _ in rounds),
        statistics.median(bare for _, bare in rounds),
        statistics.median(b.median_speed / bare for b, bare in rounds),
        statistics.median(b.mean_speed / bare for b, bare in rounds),
        statistics.median(b.cv for b, _ in rounds),
        calls,
    )


@dataclass(frozen=True)
class Paired:
    """One cell's harness-vs-bare ratios over alternating blocks on one loaded model."""

    label: str
    median_ratios: list[float]  # bench's reported (median-call) samples/s over the bare loop's
    mean_ratios: list[float]  # its mean call over the bare loop's: like for like
    calls: int


def paired_cell(
    loaded: LoadedSuite, cell: CellPlan, device: torch.device, pairs: int, block_calls: int
) -> Paired:
    """The harness's own timed loop (``run/cell.time_batches``: bench's Timer, per-call
    seeding and inputs, every call synchronised and timed, batches checked between calls)
    against the bare loop on the *same* loaded model, alternating ABBA.

    Both sides share weights, memory layout and compiled graphs, so what differs is the
    harness alone; across separate runs a cell's speed moves by more than the 2% asked,
    and on a shared host even one-second blocks drift by several percent, so blocks are a
    few calls long and many: drift cancels between neighbours."""
    suite = loaded.suite
    kind = output_kind(suite, device, loaded.prompts())
    model = cell.open(device)
    networks = prepare(cell.variant, model, device)
    harness = BatchCaller(cell, model, kind, suite.seed, device, cell.variant)
    bare = bare_sampler(cell, model, kind.batch_inputs(0, cell.sampling.batch_size), device)
    compile_networks(cell.variant, networks)
    harness(-1)  # compiles a compiled cell once, for both sides
    # the model is warm: one untimed call opens each block on both sides (the Timer's cold call)
    block = {"warmup": 1, "min_repeats": block_calls, "max_repeats": block_calls, "min_seconds": 0}
    policy = TimingPolicy(**suite.timing.model_dump() | block)
    timer = Timer(policy, synchronizer(device))
    batch = cell.sampling.batch_size
    median_ratios: list[float] = []
    mean_ratios: list[float] = []
    for pair in range(pairs):
        bare_first = pair % 4 in (1, 2)  # ABBA: harness first in pair 0
        if bare_first:
            bare_seconds = time_block(bare, device, block_calls, 1)
        timing, _ = time_batches(cell, timer, harness, kind, SilentObserver())
        if not bare_first:
            bare_seconds = time_block(bare, device, block_calls, 1)
        bare_speed = block_calls * batch / bare_seconds
        median_ratios.append(timing.items_per_second / bare_speed)
        mean_ratios.append(batch * timing.repeats / sum(timing.steady_seconds) / bare_speed)
    return Paired(cell.label, median_ratios, mean_ratios, block_calls)


def print_paired(title: str, rows: list[Paired]) -> None:
    width = max(len(r.label) for r in rows)
    print(f"\n{title}")
    heads = f"{'bench/bare [95%]':>24}  {'mean/bare [95%]':>24}"
    print(f"{'cell':<{width}} {'pairs':>5} {'calls':>5}  {heads}")
    for r in rows:
        cells = []
        for ratios in (r.median_ratios, r.mean_ratios):
            low, high = order_statistic_median_interval(ratios, 0.95)
            cells.append(f"{statistics.median(ratios):7.1%} [{low:.1%}–{high:.1%}]")
        figures = f"{cells[0]:>24}  {cells[1]:>24}"
        print(f"{r.label:<{width}} {len(r.median_ratios):>5} {r.calls:>5}  {figures}")
    print(
        "median ratio over pairs with its distribution-free 95% interval; "
        "target: the interval within 98%–102%"
    )


def print_comparison(title: str, rows: list[Comparison]) -> None:
    width = max(len(r.label) for r in rows)
    print(f"\n{title}")
    headers = (
        f"{'bench samples/s':>16} {'bare samples/s':>15} {'bench/bare':>11} "
        f"{'mean/bare':>10} {'CV':>6}"
    )
    print(f"{'cell':<{width}} {headers}")
    for r in rows:
        print(
            f"{r.label:<{width}} {r.bench:>16,.2f} {r.bare:>15,.2f} {r.ratio:>10.1%} "
            f"{r.mean_ratio:>10.1%} {r.cv:>6.1%}"
        )
    overall = statistics.median(r.ratio for r in rows)
    print(f"median ratio over all cells: {overall:.1%} (target >= 98%)")
    print("bench/bare: bench's reported samples/s (median call); mean/bare: its mean call")


def count_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``minimum``, or a usage error naming the bound."""

    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below {minimum}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="suites/image.yaml")
    parser.add_argument(
        "--rounds", type=count_at_least(0), default=3, help="separate bench runs (0: none)"
    )
    parser.add_argument(
        "--pairs", type=count_at_least(0), default=100, help="paired blocks per cell (0: none)"
    )
    parser.add_argument(
        "--block-calls", type=count_at_least(1), default=5, help="timed calls per paired block"
    )
    args = parser.parse_args()

    loaded = load_suite(args.suite)
    device = resolve_device(loaded.suite.device)
    print(f"CPU allocator (bench's, so the bare loop's too): {pin_thresholds()}")
    name = loaded.suite.name
    if args.pairs:
        cells = plan_cells(loaded, device)
        paired = [paired_cell(loaded, c, device, args.pairs, args.block_calls) for c in cells]
        print_paired(f"suite {name} on {device}: the harness's loop vs bare, one model", paired)
    if args.rounds:
        rows = compare(loaded, device, args.rounds)
        title = f"suite {name} on {device}, {args.rounds} separate runs (median over rounds)"
        print_comparison(title, rows)


if __name__ == "__main__":
    main()
