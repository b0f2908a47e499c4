"""Sampling functions and small adapters used as ``module:attr`` adapters in tests (no zoo
weights needed)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import ClassVar

import torch

from benchbench.adapters.base import Adapter


def noise(
    n: int, generator: torch.Generator, brightness: float = 1.0, size: int = 16
) -> torch.Tensor:
    """Uniform noise images; deterministic given the generator."""
    return torch.rand(n, 1, size, size, generator=generator, device=generator.device) * brightness


noise.family = "test-noise"


def fails_while(n: int, generator: torch.Generator, marker: str = "") -> torch.Tensor:
    """Raises while the file ``marker`` exists: a cell that fails until someone fixes it."""
    if marker and Path(marker).exists():
        raise RuntimeError(f"simulated failure: {marker} exists")
    return noise(n, generator)


def interrupts(n: int, generator: torch.Generator) -> torch.Tensor:
    """Behaves like a user pressing Ctrl-C in the middle of sampling."""
    raise KeyboardInterrupt


def calls_sys_exit(n: int, generator: torch.Generator, code: int = 0) -> torch.Tensor:
    """Ends the process "successfully" in the middle of sampling, as a careless script does."""
    sys.exit(code)


class Escape(BaseException):
    """Not an ``Exception``: slips past ``except Exception``."""


def raises_base_exception(n: int, generator: torch.Generator) -> torch.Tensor:
    raise Escape("a BaseException that is not an Exception")


def wrong_range(n: int, generator: torch.Generator) -> torch.Tensor:
    return noise(n, generator) * 255.0


def real_digits(n: int, generator: torch.Generator) -> torch.Tensor:
    """An oracle "model": draws held-in training images, so it matches the data distribution."""
    from benchbench.data.digits import load_digits

    images = load_digits("train")[0]
    index = torch.randint(len(images), (n,), generator=generator, device=generator.device)
    return images[index.cpu()].to(generator.device)


def digits_unless(n: int, generator: torch.Generator, degraded_if: str = "") -> torch.Tensor:
    """The oracle, made worse (heavy noise) while the file ``degraded_if`` exists: a model
    whose code changed between a baseline and a pull request."""
    images = real_digits(n, generator)
    if degraded_if and Path(degraded_if).exists():
        noise = torch.rand(images.shape, generator=generator, device=generator.device)
        images = 0.5 * images + 0.5 * noise
    return images


def digits_of_class(n: int, generator: torch.Generator, labels=None) -> torch.Tensor:
    """A perfectly steerable oracle: a training image of each requested class."""
    from benchbench.data.digits import load_digits

    images, classes = load_digits("train")
    picks = torch.randint(1 << 30, (n,), generator=generator, device=generator.device).cpu()
    out = []
    for i in range(n):
        pool = (classes == int(labels[i])).nonzero()[:, 0] if labels is not None else None
        pool = pool if pool is not None else torch.arange(len(images))
        out.append(images[pool[picks[i] % len(pool)]])
    return torch.stack(out).to(generator.device)


class LinearImages(Adapter):
    """One bias-free linear layer from a 16-d latent to a 3×4×4 image: its FLOPs per
    sample have a closed form (2 · 16 · 48), for the roofline through a real cell."""

    family = "test-linear"
    requires_weights = False
    z_dim, pixels = 16, 3 * 4 * 4

    def __init__(self, device: torch.device):
        super().__init__(device)
        self.layer = torch.nn.Linear(self.z_dim, self.pixels, bias=False).to(device)

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> LinearImages:
        return cls(device)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, self.z_dim, generator=generator, device=self.device)
        return torch.sigmoid(self.layer(z)).view(n, 3, 4, 4)


class ConvImages(Adapter):
    """One bias-free 1×1 convolution from a 4×4×4 latent to a 3×4×4 image: 4-D weights for
    channels-last, and FLOPs per sample in closed form (2 · 4 · 3 · 16 = 384)."""

    family = "test-conv"
    requires_weights = False
    flops_per_sample = 2 * 4 * 3 * 16

    def __init__(self, device: torch.device):
        super().__init__(device)
        self.conv = torch.nn.Conv2d(4, 3, 1, bias=False).to(device)

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> ConvImages:
        return cls(device)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, 4, 4, 4, generator=generator, device=self.device)
        return torch.sigmoid(self.conv(z)).contiguous()


class CountedImages(LinearImages):
    """LinearImages that logs each call's generator seed (in ``seeds``, shared by every
    instance) and fills its images with the call's number / 10, so the stored samples
    tell which calls were kept."""

    family = "test-counted"
    seeds: ClassVar[list[int]] = []

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        self.seeds.append(generator.initial_seed())
        images = super().sample(n, generator)
        return torch.full_like(images, len(self.seeds) / 10)


def exits_once(n: int, generator: torch.Generator, marker: str = "") -> torch.Tensor:
    """Kills its own process the first time (no ``marker`` file yet): a worker that dies
    mid-cell. Only for executors that run cells in worker processes."""
    if not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return noise(n, generator)


def always_exits(n: int, generator: torch.Generator) -> torch.Tensor:
    """Kills its own process on every try: a cell no retry can save."""
    os._exit(1)


def hangs_while(n: int, generator: torch.Generator, marker: str = "") -> torch.Tensor:
    """While the file ``marker`` exists: writes ``marker``.sampling and sleeps (a cell
    still sampling when its process is killed); afterwards, noise."""
    if marker and Path(marker).exists():
        Path(f"{marker}.sampling").touch()
        time.sleep(600)
    return noise(n, generator)


def denoiser(n: int, generator: torch.Generator, steps: int = 10) -> torch.Tensor:
    """A stand-in diffusion model: each step removes some noise and costs some time."""
    images = real_digits(n, generator)
    noise = torch.rand(images.shape, generator=generator, device=generator.device)
    mixed = noise
    for _ in range(steps):
        mixed = 0.6 * mixed + 0.4 * images
    return mixed.clamp(0, 1)


denoiser.family = "diffusion"
