"""Diffusion family: a denoising UNet run through a sampler for ``steps`` network passes.

Weights are a diffusers directory loaded with ``from_pretrained``: either a
``DDPMPipeline``-style folder with ``unet/`` and ``scheduler/`` subfolders, or a
``UNet2DModel`` folder (``config.json`` + weights) with an optional
``scheduler_config.json`` beside it. The number of steps is a parameter, so a suite
can sweep it and show the speed–quality trade that defines this family.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from pydantic import Field

from benchbench.adapters.base import Adapter, NoParams
from benchbench.hashing import sha256_tree, stable_hash

SCHEDULER_CONFIG = "scheduler_config.json"


class DiffusionParams(NoParams):
    sampler: Literal["ddpm", "ddim"] = Field(
        default="ddim",
        description="ddpm: ancestral sampling (stochastic); ddim: deterministic when eta=0",
    )
    steps: int = Field(default=50, ge=1, le=1000, description="denoising steps (network passes)")
    eta: float = Field(default=0.0, ge=0, le=1, description="DDIM noise scale (0 = deterministic)")


class DiffusionAdapter(Adapter):
    """A diffusers ``UNet2DModel`` trained on images in [-1, 1] to predict the noise."""

    family = "diffusion"
    Params = DiffusionParams

    def __init__(self, unet: torch.nn.Module, scheduler_config: dict, device: torch.device):
        super().__init__(device)
        self.unet = unet.to(device).eval()
        self.scheduler_config = dict(scheduler_config)
        self._schedulers: dict[tuple[str, int], object] = {}

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> DiffusionAdapter:
        from diffusers import DDPMScheduler, UNet2DModel

        unet_dir, scheduler_dir = _diffusers_layout(weights)
        # low_cpu_mem_usage=False: the fast path needs `accelerate`; without it diffusers warns.
        unet = UNet2DModel.from_pretrained(unet_dir, low_cpu_mem_usage=False)
        if scheduler_dir is None:
            scheduler_config = DDPMScheduler().config  # diffusers' defaults: 1000 linear steps
        else:
            scheduler_config = DDPMScheduler.from_pretrained(scheduler_dir).config
        return cls(unet, scheduler_config, device)

    @classmethod
    def fingerprint(cls, weights: Path | None) -> str:
        unet_dir, scheduler_dir = _diffusers_layout(weights)
        parts = [sha256_tree(unet_dir)]
        if scheduler_dir is not None:
            parts.append(sha256_tree(scheduler_dir / SCHEDULER_CONFIG))
        return stable_hash(parts, length=64)

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        sampler: str = "ddim",
        steps: int = 50,
        eta: float = 0.0,
    ) -> torch.Tensor:
        scheduler = self._scheduler(sampler, steps)
        config = self.unet.config
        shape = (n, config.in_channels, config.sample_size, config.sample_size)
        x = torch.randn(shape, generator=generator, device=self.device) * scheduler.init_noise_sigma
        step_kwargs = {"eta": eta} if sampler == "ddim" else {}
        for t in scheduler.timesteps:
            noise_pred = self.unet(x, t).sample
            x = scheduler.step(noise_pred, t, x, generator=generator, **step_kwargs).prev_sample
        return (x / 2 + 0.5).clamp(0.0, 1.0)

    def _scheduler(self, sampler: str, steps: int):
        """A scheduler with its timesteps set, built once per (sampler, steps)."""
        from diffusers import DDIMScheduler, DDPMScheduler

        key = (sampler, steps)
        if key not in self._schedulers:
            scheduler_class = DDIMScheduler if sampler == "ddim" else DDPMScheduler
            scheduler = scheduler_class.from_config(self.scheduler_config)
            scheduler.set_timesteps(steps, device=self.device)
            self._schedulers[key] = scheduler
        return self._schedulers[key]


def _diffusers_layout(weights: Path | None) -> tuple[Path, Path | None]:
    """(unet folder, scheduler folder or None) of a diffusers directory."""
    if weights is None or not weights.is_dir():
        raise FileNotFoundError(
            f"diffusion weights must be a diffusers directory (unet/ + scheduler/, or a "
            f"UNet2DModel folder with config.json); got {weights}"
        )
    if (weights / "unet").is_dir():
        scheduler_dir = weights / "scheduler"
        return weights / "unet", scheduler_dir if (
            scheduler_dir / SCHEDULER_CONFIG
        ).is_file() else None
    if (weights / "config.json").is_file():
        return weights, weights if (weights / SCHEDULER_CONFIG).is_file() else None
    raise FileNotFoundError(
        f"{weights} holds neither unet/ nor config.json: not a diffusers UNet2DModel directory"
    )
