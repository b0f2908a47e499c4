"""Harness overhead on the GPU suites: `bench run` vs a bare CUDA loop, cell by cell.

For every cell of suites/gpu.yaml and suites/gpu-text.yaml (full-size architectures with
random weights), in one process: `bench` runs the suite into a temporary store, and a
bare loop — the same model, batch and inputs in plain torch, timed with CUDA events
after a synchronize — makes the same number of calls (see benchmarks/timer_overhead.py,
whose comparison this runs). Prints bench's and the bare loop's samples/s, their ratio
(target >= 98%) and bench's timing CV (target < 2%); with --json, writes every figure;
with --db, keeps bench's runs in that store (for `bench report`).

    python benchmarks/gpu_vs_bare.py [--rounds 1] [--json out.json] [--db bench.duckdb]
    python benchmarks/gpu_vs_bare.py --tiny    # toy presets: runs on a CPU in seconds
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from timer_overhead import compare, print_comparison

from benchbench.measure import envinfo
from benchbench.measure.device import resolve_device
from benchbench.suite.load import load_suite

SUITES = ("suites/gpu.yaml", "suites/gpu-text.yaml")
TINY = ("suites/gpu-tiny.yaml", "suites/gpu-text-tiny.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="the toy-size twins of the suites")
    parser.add_argument("--rounds", type=int, default=1, help="rounds (alternating order)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--db", type=Path, help="keep bench's runs in this store")
    parser.add_argument("suites", nargs="*", help=f"default: {' '.join(SUITES)}")
    args = parser.parse_args()

    results = {}
    for path in args.suites or (TINY if args.tiny else SUITES):
        loaded = load_suite(path)
        device = resolve_device(loaded.suite.device)
        rows = compare(loaded, device, args.rounds, args.db)
        title = f"suite {loaded.suite.name} on {device}, {args.rounds} round(s)"
        print_comparison(title, rows)
        results[loaded.suite.name] = {
            "device": str(device),
            "device_name": envinfo.capture(device)["device_name"],
            "rounds": args.rounds,
            "cells": [asdict(r) for r in rows],
        }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
