"""Harness overhead on the GPU suites: `bench run` vs a bare CUDA loop, cell by cell.

For every cell of suites/gpu.yaml and suites/gpu-text.yaml (full-size architectures with
random weights), in one process: `bench` runs the suite into a temporary store, and a
bare loop — the same model, batch and inputs in plain torch, timed with CUDA events
after a synchronize — makes the same number of calls (see benchmarks/timer_overhead.py,
whose comparisons this runs). Prints bench's and the bare loop's samples/s, their ratio
(target >= 98%) and bench's timing CV (target < 2%); then, with ``--pairs N``, the paired
comparison on one loaded model (the harness's timed loop against the bare loop in short
alternating blocks, with a 95% interval; 12 calls per pair and cell, so minutes for
the Stable Diffusion cells); with --json, writes every figure; with --db,
keeps bench's runs in that store (for `bench report`).

    python benchmarks/gpu_vs_bare.py [--rounds 1] [--pairs 10] [--json out.json] [--db bench.duckdb]
    python benchmarks/gpu_vs_bare.py --tiny    # toy presets: runs on a CPU in seconds
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from timer_overhead import (
    compare,
    count_at_least,
    paired_cell,
    print_comparison,
    print_paired,
)

from benchbench.measure import envinfo
from benchbench.measure.device import resolve_device
from benchbench.run.plan import plan_cells
from benchbench.suite.load import load_suite

SUITES = ("suites/gpu.yaml", "suites/gpu-text.yaml")
TINY = ("suites/gpu-tiny.yaml", "suites/gpu-text-tiny.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="the toy-size twins of the suites")
    parser.add_argument(
        "--rounds", type=count_at_least(0), default=1, help="rounds (alternating order)"
    )
    parser.add_argument(
        "--pairs",
        type=count_at_least(0),
        default=0,
        help="paired blocks per cell (default 0: none)",
    )
    parser.add_argument(
        "--block-calls", type=count_at_least(1), default=5, help="timed calls per block"
    )
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
        cells = plan_cells(loaded, device) if args.pairs else []
        paired = [paired_cell(loaded, c, device, args.pairs, args.block_calls) for c in cells]
        if paired:
            print_paired(
                f"suite {loaded.suite.name} on {device}: harness vs bare, one model", paired
            )
        results[loaded.suite.name] = {
            "device": str(device),
            "device_name": envinfo.capture(device)["device_name"],
            "rounds": args.rounds,
            "cells": [asdict(r) for r in rows],
            "paired": [asdict(r) for r in paired],
        }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
