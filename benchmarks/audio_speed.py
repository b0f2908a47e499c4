"""Speed of the audio zoo's generators: WaveNet naive vs cached, WaveGAN, DiffWave's steps curve.

WaveNet makes one network step per sample (4,096 per 0.512 s clip): the naive sampler
recomputes the receptive field at each, the cached one (Fast WaveNet) one position per
layer, and both must give the same clips (checked here). WaveGAN makes one pass per clip,
DiffWave one per denoising step (DDIM at 5, 10, 25 and 50 steps). Settings are timed
round-robin (one batch each per round), so a burst of load from other processes hits all
of them alike. Prints, per setting, the median seconds per batch and per clip, clips/s,
and the real-time factor: seconds of audio made per wall-clock second (above 1: faster
than real time).

    python benchmarks/audio_speed.py [--rounds 3] [--batch 4] [--threads 1] [--weights DIR]
                                     [--device cpu|cuda|auto]

On a GPU each timed batch ends with a device synchronisation, so the clock stops when the
clips exist, not when their kernels are queued.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from benchbench.adapters import ADAPTERS
from benchbench.measure.device import resolve_device, synchronizer
from benchbench.zoo import weights_path

SETTINGS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("wavenet-digits", {"sampler": "naive"}),
    ("wavenet-digits", {"sampler": "cached"}),
    ("wavegan-digits", {}),
    *(("diffwave-digits", {"sampler": "ddim", "steps": steps}) for steps in (5, 10, 25, 50)),
)
ADAPTER_OF = {
    "wavenet-digits": "wavenet",
    "wavegan-digits": "wavegan",
    "diffwave-digits": "diffwave",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4, help="clips per sampling call")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    parser.add_argument("--weights", type=Path, help="zoo weights folder (default: shipped)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    sync = synchronizer(device)
    adapters = {
        name: ADAPTERS.get(family).load(weights_path(name, args.weights), device)
        for name, family in ADAPTER_OF.items()
    }
    labels = torch.arange(args.batch, device=device) % 10

    def draw(name: str, params: dict[str, Any]) -> torch.Tensor:
        with torch.inference_mode():
            generator = torch.Generator(device).manual_seed(0)
            clips = adapters[name].sample(args.batch, generator, labels=labels, **params)
            sync()
            return clips.cpu()

    first = [draw(name, params) for name, params in SETTINGS]  # warm-up, and the clips
    same = torch.equal(first[0], first[1])
    seconds: list[list[float]] = [[] for _ in SETTINGS]
    for _ in range(args.rounds):
        for i, (name, params) in enumerate(SETTINGS):
            start = time.perf_counter()
            draw(name, params)
            seconds[i].append(time.perf_counter() - start)

    threads = torch.get_num_threads()
    print(f"batch {args.batch} clips, {args.rounds} rounds, {threads} torch threads, {device}")
    header = f"{'model':<17}{'setting':<20}{'s/batch':>9}{'s/clip':>9}{'clips/s':>9}{'RTF':>9}"
    print(header)
    for (name, params), clips, times in zip(SETTINGS, first, seconds, strict=True):
        median = statistics.median(times)
        audio_seconds = clips.shape[-1] / adapters[name].sample_rate * args.batch
        setting = " ".join(f"{k}={v}" for k, v in params.items()) or "-"
        row = f"{name:<17}{setting:<20}{median:>9.3f}{median / args.batch:>9.3f}"
        print(f"{row}{args.batch / median:>9.2f}{audio_seconds / median:>9.4f}")
    naive, cached = (statistics.median(t) for t in seconds[:2])
    print(f"WaveNet cached vs naive: {naive / cached:.1f}x faster; same clips: {same}")


if __name__ == "__main__":
    main()
