"""Harness overhead: samples/s reported by `bench` vs a bare hand-written loop, same process.

For every cell of a suite, in each round: `bench` runs the suite (fresh, into a
temporary store) and reports samples/s; then a bare loop — build or load the same
model, apply the cell's speed variant with `benchbench/run/variant.py`'s code (channels-last,
autocast, and torch.compile before the warm-up, so both sides time the same compiled
module), as many untimed warm-up calls as bench makes, then the same number of calls
timed as a whole (CUDA events after a synchronize on a GPU, perf_counter on the CPU) —
measures the same thing without the harness. Rounds alternate which goes first, to cancel
drift (thermal, caches). The ratio bench / bare should be close to 1 (target >= 0.98);
the median over rounds is printed per cell, for bench's reported samples/s (the median
call) and for its mean call (the bare loop's own statistic, so noise cannot favour
either side), with the machine's load average over each round. `benchmarks/gpu_vs_bare.py`
runs this on the GPU suites.

    python benchmarks/timer_overhead.py [--suite suites/image.yaml] [--rounds 3]
    python benchmarks/timer_overhead.py --suite suites/variants-overhead.yaml
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from benchbench.measure.allocator import pin_thresholds
from benchbench.measure.device import resolve_device
from benchbench.outputs import output_kind
from benchbench.report.summary import summarize_run
from benchbench.run.driver import run_suite
from benchbench.run.plan import CellPlan, plan_cells
from benchbench.run.variant import compile_networks, prepare, under_autocast
from benchbench.store.runs import Store
from benchbench.suite.load import LoadedSuite, load_suite


def bare_loop(cell: CellPlan, inputs: dict, device: torch.device, calls: int, warmup: int) -> float:
    """samples/s of ``calls`` back-to-back sampling calls, timed as one block, after
    ``warmup`` untimed calls (plus the compiling call of a compiled cell, as bench makes)."""
    model = cell.open(device)
    networks = prepare(cell.variant, model, device)
    given = {name: value for name, value in inputs.items() if model.accepts(name)}
    batch = cell.sampling.batch_size
    generator = torch.Generator(device).manual_seed(0)
    sample = under_autocast(
        cell.variant,
        device,
        lambda _: model.sample(batch, generator, **given, **cell.call_params),
    )
    compile_networks(cell.variant, networks)

    def block(count: int) -> None:
        for index in range(count):
            sample(index)

    with torch.inference_mode():
        block(warmup + (cell.variant.compile != "off"))  # untimed
        if device.type == "cuda":
            start, end = (torch.cuda.Event(enable_timing=True) for _ in range(2))
            torch.cuda.synchronize(device)
            start.record()
            block(calls)
            end.record()
            end.synchronize()
            elapsed = start.elapsed_time(end) / 1000
        else:
            start_s = time.perf_counter()
            block(calls)
            elapsed = time.perf_counter() - start_s
    return calls * batch / elapsed


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="suites/image.yaml")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    loaded = load_suite(args.suite)
    device = resolve_device(loaded.suite.device)
    print(f"CPU allocator (bench's, so the bare loop's too): {pin_thresholds()}")
    rows = compare(loaded, device, args.rounds)
    name = loaded.suite.name
    print_comparison(f"suite {name} on {device}, {args.rounds} rounds (median over rounds)", rows)


if __name__ == "__main__":
    main()
