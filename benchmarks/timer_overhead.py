"""Harness overhead: samples/s reported by `bench` vs a bare hand-written loop, same process.

For every cell of a suite, in each round: `bench` runs the suite (fresh, into a
temporary store) and reports samples/s; then a bare loop — load the same model, one
untimed warm-up call, then the same number of calls timed as a whole with
perf_counter — measures the same thing without the harness. Rounds alternate which
goes first, to cancel drift (thermal, caches). The ratio bench / bare should be
close to 1 (target >= 0.98); the median over rounds is printed per cell.

    python benchmarks/timer_overhead.py [--suite suites/image.yaml] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from benchbench.plan import plan_cells, resolve_device
from benchbench.runner import run_suite
from benchbench.store import Store
from benchbench.suite import load_suite
from benchbench.summary import summarize_run


def bare_loop(cell, device: torch.device, calls: int) -> float:
    """samples/s of ``calls`` back-to-back sampling calls, timed as one block."""
    model = cell.adapter.load(cell.weights, device)
    batch = cell.sampling.batch_size
    generator = torch.Generator(device).manual_seed(0)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    with torch.inference_mode():
        model.sample(batch, generator, **cell.params)  # warm-up, untimed
        sync()
        start = time.perf_counter()
        for _ in range(calls):
            model.sample(batch, generator, **cell.params)
        sync()
        elapsed = time.perf_counter() - start
    return calls * batch / elapsed


def bench_round(loaded, db: Path) -> dict[str, tuple[float, int]]:
    """samples/s and the number of timed calls per cell label, as `bench run` stores them."""
    with Store(db) as store:
        rows = summarize_run(store, run_suite(loaded, store, fresh=True).run_id)
    return {r.position: (r.speed["samples_per_s"].value, r.speed["samples_per_s"].n) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="suites/image.yaml")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    loaded = load_suite(args.suite)
    device = resolve_device(loaded.suite.device)
    cells = plan_cells(loaded, device)
    ratios: dict[int, list[float]] = {c.position: [] for c in cells}
    figures: dict[int, list[tuple[float, float]]] = {c.position: [] for c in cells}
    calls: dict[int, int] = {}  # bare loops make as many calls as bench timed in round 1
    with tempfile.TemporaryDirectory() as tmp:
        for round_index in range(args.rounds):
            bare: dict[int, float] = {}
            if round_index % 2 == 1:  # bare first on odd rounds
                bare = {c.position: bare_loop(c, device, calls[c.position]) for c in cells}
            harness = bench_round(loaded, Path(tmp) / f"round{round_index}.duckdb")
            calls = calls or {position: n for position, (_, n) in harness.items()}
            if round_index % 2 == 0:
                bare = {c.position: bare_loop(c, device, calls[c.position]) for c in cells}
            for c in cells:
                ratios[c.position].append(harness[c.position][0] / bare[c.position])
                figures[c.position].append((harness[c.position][0], bare[c.position]))
            print(f"round {round_index + 1}/{args.rounds} done", flush=True)

    print(f"\nsuite {loaded.suite.name} on {device}, {args.rounds} rounds (median over rounds)")
    print(f"{'cell':<28} {'bench samples/s':>16} {'bare samples/s':>15} {'bench/bare':>11}")
    for c in cells:
        bench_median = statistics.median(f[0] for f in figures[c.position])
        bare_median = statistics.median(f[1] for f in figures[c.position])
        ratio = statistics.median(ratios[c.position])
        print(f"{c.label:<28} {bench_median:>16,.1f} {bare_median:>15,.1f} {ratio:>10.1%}")
    overall = statistics.median(r for rs in ratios.values() for r in rs)
    print(f"\nmedian ratio over all cells and rounds: {overall:.1%} (target >= 98%)")


if __name__ == "__main__":
    main()
