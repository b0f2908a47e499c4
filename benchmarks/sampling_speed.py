"""What the zoo's sampling-speed benchmarks (audio_speed.py, video_speed.py) share: their
command line, loading zoo generators, and timing settings round-robin.

Settings are timed round-robin (one batch each per round), so a burst of load from other
processes hits all of them alike; the first batch of each is an untimed warm-up. On a GPU
(``--device cuda``) each batch ends with a device synchronisation, so the clock stops when
the samples exist, not when their kernels are queued.
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
from benchbench.measure.device import resolve_device, synchronizer
from benchbench.zoo import ZOO, weights_path

Setting = tuple[str, dict[str, Any]]  # zoo model, sampling params


def arguments(description: str, unit: str) -> argparse.Namespace:
    """``--rounds --batch --threads --weights --device``, parsed; ``--threads`` is applied
    here, ``--device`` resolved (``auto``: CUDA where there is one)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4, help=f"{unit} per sampling call")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    parser.add_argument("--weights", type=Path, help="zoo weights folder (default: shipped)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    args.device = resolve_device(args.device)
    return args


def load_generators(
    settings: Sequence[Setting], weights: Path | None, device: torch.device
) -> dict[str, Adapter]:
    """Each zoo model named in ``settings``, loaded once on ``device`` by its family's
    adapter."""
    names = dict.fromkeys(name for name, _ in settings)
    return {
        name: ADAPTERS.get(ZOO[name].family).load(weights_path(name, weights), device)
        for name in names
    }


def drawer(
    adapters: dict[str, Adapter], batch: int, device: torch.device
) -> Callable[[str, dict[str, Any]], Any]:
    """``draw(name, params)``: one batch of ``batch`` samples of digits 0, 1, ... from
    generator seed 0 on ``device``, without autograd, synchronised, back on the CPU."""
    labels = torch.arange(batch, device=device) % 10
    sync = synchronizer(device)

    def draw(name: str, params: dict[str, Any]) -> Any:
        with torch.inference_mode():
            generator = torch.Generator(device).manual_seed(0)
            samples = adapters[name].sample(batch, generator, labels=labels, **params)
        sync()
        return samples.cpu()

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
