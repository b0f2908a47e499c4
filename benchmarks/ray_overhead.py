"""What the Ray executor costs and buys: scheduling overhead per cell, and the speed-up
of a 2-worker local cluster on a CPU-bound suite.

Two suites of ``module:function`` models, run once with the local executor and once
with Ray, each into its own temporary store (same seeds, same cells):

- ``tiny``: cells that do almost nothing (a few 1-image calls, no metrics), so
  (wall with Ray - wall locally) / cells is what Ray adds per cell: submitting the
  task, shipping the job and the cell, the worker's environment capture, the record
  coming back, and the driver waiting for it.
- ``burn``: cells that each spend a fixed amount of single-threaded Python work per
  call; locally they run one after another, on Ray two at a time, so wall locally /
  wall with Ray is the speed-up of two workers.

Starting the local Ray cluster, and a first untimed Ray run that starts the workers and
imports torch and benchbench in them, are timed on their own and left out of both
figures. Each figure is the median over ``--rounds`` rounds, which alternate whether the
local or the Ray run goes first.

    python benchmarks/ray_overhead.py [--tiny-cells 20] [--burn-cells 6] [--work 3000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the suites below name ``benchmarks.ray_overhead:...``

from benchbench.run.driver import run_suite  # noqa: E402
from benchbench.run.executors import make_executor  # noqa: E402
from benchbench.store.runs import Store  # noqa: E402
from benchbench.suite.load import load_suite  # noqa: E402


def tiny(n: int, generator: torch.Generator, index: int = 0) -> torch.Tensor:
    """One tiny noise image per call."""
    return torch.rand(n, 1, 8, 8, generator=generator)


def burn(n: int, generator: torch.Generator, index: int = 0, work: int = 1) -> torch.Tensor:
    """``work`` iterations of plain Python (one core, whatever torch's thread count)."""
    total = 0
    for i in range(work):
        total += i * i
    return torch.rand(n, 1, 8, 8, generator=generator)


def suite(name: str, function: str, cells: int, **params: int) -> dict:
    return {
        "name": name,
        "seed": 0,
        "device": "cpu",
        "reference": {"dataset": "digits", "split": "test"},
        "metrics": [],
        "sampling": {"num_samples": 1, "batch_size": 1},
        "timing": {"warmup": 1, "min_repeats": 2, "min_seconds": 0.0},
        "models": [
            {
                "name": name,
                "adapter": f"benchmarks.ray_overhead:{function}",
                "params": {"index": list(range(cells)), **params},
            }
        ],
    }


def timed_run(loaded, db: Path, executor=None) -> float:
    with Store(db) as store:
        start = time.perf_counter()
        result = run_suite(loaded, store, executor=executor)
        elapsed = time.perf_counter() - start
    assert result.status == "complete" and result.skipped == 0, result
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny-cells", type=int, default=20)
    parser.add_argument("--burn-cells", type=int, default=6)
    parser.add_argument("--work", type=int, default=3_000_000, help="loop iterations per call")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.chdir(ROOT)  # Ray workers import the suites' functions from here

    executor = make_executor("ray", {"max_parallel": 2})
    start = time.perf_counter()
    ray = executor.connect()
    started = time.perf_counter() - start
    cpus = ray.cluster_resources().get("CPU")
    with tempfile.TemporaryDirectory() as tmp, executor:
        folder = Path(tmp)
        loaded = {}
        for name, spec in {
            "tiny": suite("tiny", "tiny", args.tiny_cells),
            "burn": suite("burn", "burn", args.burn_cells, work=args.work),
        }.items():
            path = folder / f"{name}.yaml"
            path.write_text(yaml.safe_dump(spec, sort_keys=False))
            loaded[name] = load_suite(path)
        warm_up = timed_run(loaded["tiny"], folder / "warm-up.duckdb", executor)
        walls: dict[tuple[str, str], list[float]] = {}
        for round_index in range(args.rounds):
            order = ("local", "ray") if round_index % 2 == 0 else ("ray", "local")
            for name, how in ((name, how) for name in loaded for how in order):
                db = folder / f"{name}-{how}-{round_index}.duckdb"
                seconds = timed_run(loaded[name], db, executor if how == "ray" else None)
                walls.setdefault((name, how), []).append(seconds)
    wall = {key: statistics.median(values) for key, values in walls.items()}

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())  # 1, 5 and 15 minutes
    print(
        f"local Ray cluster: {cpus:g} CPUs, started in {started:.1f} s; first Ray run "
        f"(starts the workers) {warm_up:.1f} s; neither counted below"
    )
    print(f"medians over {args.rounds} rounds:")
    per_cell = (wall["tiny", "ray"] - wall["tiny", "local"]) / args.tiny_cells
    print(
        f"tiny suite, {args.tiny_cells} cells: local {wall['tiny', 'local']:.2f} s, "
        f"ray {wall['tiny', 'ray']:.2f} s -> Ray adds {per_cell * 1000:.0f} ms per cell"
    )
    print(
        f"burn suite, {args.burn_cells} cells x {args.work:,} iterations per call: "
        f"local {wall['burn', 'local']:.2f} s, ray (2 workers) {wall['burn', 'ray']:.2f} s "
        f"-> speed-up {wall['burn', 'local'] / wall['burn', 'ray']:.2f}x"
    )
    print(f"load average after the runs: {load} (shared machine: figures are contended)")


if __name__ == "__main__":
    main()
