"""Harness overhead: samples/s reported by `bench` vs a bare hand-written loop, same process.

For every cell of a suite, in each round: `bench` runs the suite (fresh, into a
temporary store) and reports samples/s; then a bare loop — build or load the same
model, one untimed warm-up call, then the same number of calls timed as a whole (CUDA
events after a synchronize on a GPU, perf_counter on the CPU) — measures the same thing
without the harness. Rounds alternate which goes first, to cancel drift (thermal,
caches). The ratio bench / bare should be close to 1 (target >= 0.98); the median over
rounds is printed per cell. `benchmarks/gpu_vs_bare.py` runs this on the GPU suites.

    python benchmarks/timer_overhead.py [--suite suites/image.yaml] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from benchbench.measure.device import resolve_device
from benchbench.outputs import output_kind
from benchbench.report.summary import summarize_run
from benchbench.run.driver import run_suite
from benchbench.run.plan import CellPlan, plan_cells
from benchbench.store.runs import Store
from benchbench.suite.load import LoadedSuite, load_suite


def bare_loop(cell: CellPlan, inputs: dict, device: torch.device, calls: int) -> float:
    """samples/s of ``calls`` back-to-back sampling calls, timed as one block."""
    model = cell.open(device)
    given = {name: value for name, value in inputs.items() if model.accepts(name)}
    batch = cell.sampling.batch_size
    generator = torch.Generator(device).manual_seed(0)

    def block(count: int) -> None:
        for _ in range(count):
            model.sample(batch, generator, **given, **cell.call_params)

    with torch.inference_mode():
        block(1)  # warm-up, untimed
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


def bench_round(loaded: LoadedSuite, db: Path) -> dict[int, tuple[float, int, float]]:
    """samples/s, the number of timed calls and the timing CV per cell position, as
    `bench run` stores them."""
    with Store(db) as store:
        rows = summarize_run(store, run_suite(loaded, store, fresh=True).run_id)
    failed = [f"{r.model}: {r.error}" for r in rows if r.status != "complete"]
    if failed:
        raise RuntimeError("bench failed on:\n" + "\n".join(failed))
    return {
        r.position: (
            r.speed["samples_per_s"].value,
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
    ratio: float
    cv: float  # bench's timing CV (median over rounds)
    calls: int


def compare(
    loaded: LoadedSuite, device: torch.device, rounds: int, db: Path | None = None
) -> list[Comparison]:
    """Bench vs bare per cell; bench's runs go to ``db`` if given (else a temporary store)."""
    cells = plan_cells(loaded, device)
    kind = output_kind(loaded.suite, device, loaded.prompts())
    figures: dict[int, list[tuple[float, float, float]]] = {c.position: [] for c in cells}
    calls: dict[int, int] = {}  # bare loops make as many calls as bench timed in round 1

    def bare_all() -> dict[int, float]:
        return {
            c.position: bare_loop(
                c, kind.batch_inputs(0, c.sampling.batch_size), device, calls[c.position]
            )
            for c in cells
        }

    with tempfile.TemporaryDirectory() as tmp:
        for round_index in range(rounds):
            bare: dict[int, float] = {}
            if round_index % 2 == 1:  # bare first on odd rounds
                bare = bare_all()
            harness = bench_round(loaded, db or Path(tmp) / f"round{round_index}.duckdb")
            calls = calls or {position: n for position, (_, n, _) in harness.items()}
            if round_index % 2 == 0:
                bare = bare_all()
            for c in cells:
                speed, _, cv = harness[c.position]
                figures[c.position].append((speed, bare[c.position], cv))
            print(f"{loaded.suite.name}: round {round_index + 1}/{rounds} done", flush=True)
    return [
        Comparison(
            c.label,
            statistics.median(f[0] for f in figures[c.position]),
            statistics.median(f[1] for f in figures[c.position]),
            statistics.median(f[0] / f[1] for f in figures[c.position]),
            statistics.median(f[2] for f in figures[c.position]),
            calls[c.position],
        )
        for c in cells
    ]


def print_comparison(title: str, rows: list[Comparison]) -> None:
    width = max(len(r.label) for r in rows)
    print(f"\n{title}")
    headers = f"{'bench samples/s':>16} {'bare samples/s':>15} {'bench/bare':>11} {'CV':>6}"
    print(f"{'cell':<{width}} {headers}")
    for r in rows:
        print(
            f"{r.label:<{width}} {r.bench:>16,.2f} {r.bare:>15,.2f} {r.ratio:>10.1%} {r.cv:>6.1%}"
        )
    overall = statistics.median(r.ratio for r in rows)
    print(f"median ratio over all cells: {overall:.1%} (target >= 98%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="suites/image.yaml")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    loaded = load_suite(args.suite)
    device = resolve_device(loaded.suite.device)
    rows = compare(loaded, device, args.rounds)
    name = loaded.suite.name
    print_comparison(f"suite {name} on {device}, {args.rounds} rounds (median over rounds)", rows)


if __name__ == "__main__":
    main()
