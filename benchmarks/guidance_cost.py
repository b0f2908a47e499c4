"""What guidance costs per sample: the zoo's diffusion models, DDIM, one batch per setting.

Classifier-free guidance at scale 0 or 1 needs one UNet pass per step, any other scale two
(batched into one call); CLIP guidance adds a backward pass through the UNet and the
image encoder. Settings are timed round-robin (one batch each per round), so a burst of
load from other processes hits all of them alike; prints the median seconds per batch and
samples/s of each, and the UNet passes per sample and step, counted with a forward hook.

    python benchmarks/guidance_cost.py [--rounds 7] [--batch 100] [--steps 25]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchbench.adapters.diffusion import DiffusionAdapter
from benchbench.suite.prompts import DIGIT_WORDS
from benchbench.zoo import weights_path

SETTINGS = (
    ("cddpm-digits", {"guidance": 0.0}),
    ("cddpm-digits", {"guidance": 1.0}),
    ("cddpm-digits", {"guidance": 3.0}),
    ("ddpm-digits", {}),
    ("ddpm-digits", {"clip_guidance": 30.0}),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--steps", type=int, default=25)
    args = parser.parse_args()
    cpu = torch.device("cpu")
    adapters = {name: DiffusionAdapter.load(weights_path(name), cpu) for name, _ in SETTINGS}
    calls = dict.fromkeys(adapters, 0)

    def count(name: str):  # samples through the UNet: 2 per sample and step when guided
        return lambda module, inputs, output: calls.__setitem__(name, calls[name] + len(inputs[0]))

    for name, adapter in adapters.items():
        adapter.unet.register_forward_hook(count(name))
    labels = torch.arange(args.batch) % 10
    prompts = [f"a handwritten {DIGIT_WORDS[i]}" for i in labels]

    def draw(name: str, params: dict) -> None:
        with torch.inference_mode():
            adapters[name].sample(
                args.batch,
                torch.Generator().manual_seed(0),
                steps=args.steps,
                threshold="clip",
                labels=labels,
                prompts=prompts,
                **params,
            )

    passes = []
    for name, params in SETTINGS:  # warm-up, and the calls per step
        calls[name] = 0
        draw(name, params)
        passes.append(calls[name] / (args.steps * args.batch))
    seconds: list[list[float]] = [[] for _ in SETTINGS]
    for _ in range(args.rounds):
        for i, (name, params) in enumerate(SETTINGS):
            start = time.perf_counter()
            draw(name, params)
            seconds[i].append(time.perf_counter() - start)
    threads = torch.get_num_threads()
    print(f"DDIM {args.steps} steps, batch {args.batch}, {args.rounds} rounds, {threads} threads")
    print(f"{'model':<14}{'setting':<20}{'UNet passes':>16}{'median s':>10}{'samples/s':>11}")
    for (name, params), per_step, times in zip(SETTINGS, passes, seconds, strict=True):
        median = statistics.median(times)
        setting = ", ".join(f"{k} {v}" for k, v in params.items()) or "unguided"
        row = f"{name:<14}{setting:<20}{per_step:>16.0f}{median:>10.3f}"
        print(f"{row}{args.batch / median:>11.1f}")


if __name__ == "__main__":
    main()
