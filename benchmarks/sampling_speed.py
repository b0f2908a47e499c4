"""What the zoo's sampling-speed benchmarks (audio_speed.py, video_speed.py) share: their
command line, loading zoo generators, and timing settings round-robin.

Settings are timed round-robin (one batch each per round), so a burst of load from other
processes hits all of them alike; the first batch of each is an untimed warm-up.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from benchbench.adapters import ADAPTERS
from benchbench.adapters.base import Adapter
from benchbench.zoo import ZOO, weights_path

Setting = tuple[str, dict[str, Any]]  # zoo model, sampling params


def arguments(description: str, unit: str) -> argparse.Namespace:
    """``--rounds --batch --threads --weights``, parsed; ``--threads`` is applied here."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4, help=f"{unit} per sampling call")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    parser.add_argument("--weights", type=Path, help="zoo weights folder (default: shipped)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    return args


def load_generators(settings: Sequence[Setting], weights: Path | None) -> dict[str, Adapter]:
    """Each zoo model named in ``settings``, loaded once on the CPU by its family's adapter."""
    cpu = torch.device("cpu")
    names = dict.fromkeys(name for name, _ in settings)
    return {
        name: ADAPTERS.get(ZOO[name].family).load(weights_path(name, weights), cpu)
        for name in names
    }


def drawer(adapters: dict[str, Adapter], batch: int) -> Callable[[str, dict[str, Any]], Any]:
    """``draw(name, params)``: one batch of ``batch`` samples of digits 0, 1, ... from
    generator seed 0, without autograd."""
    labels = torch.arange(batch) % 10

    def draw(name: str, params: dict[str, Any]) -> Any:
        with torch.inference_mode():
            return adapters[name].sample(
                batch, torch.Generator().manual_seed(0), labels=labels, **params
            )

    return draw


def round_robin(
    settings: Sequence[Setting], draw: Callable[[str, dict[str, Any]], Any], rounds: int
) -> tuple[list[Any], list[list[float]]]:
    """(each setting's warm-up batch, its seconds per timed batch)."""
    first = [draw(name, params) for name, params in settings]
    seconds: list[list[float]] = [[] for _ in settings]
    for _ in range(rounds):
        for i, (name, params) in enumerate(settings):
            start = time.perf_counter()
            draw(name, params)
            seconds[i].append(time.perf_counter() - start)
    return first, seconds


def setting_label(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items()) or "-"
