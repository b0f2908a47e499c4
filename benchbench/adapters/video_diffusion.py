"""Video diffusion family: a space-time-patch diffusion transformer run through diffusers'
DDPM or DDIM sampler for ``steps`` network passes.

A class-conditional ``nets.video.dit.VideoDiT`` checkpoint; its noise schedule is part of
its config (``scheduler_config``), so the file alone defines the sampler.
"""

from __future__ import annotations

import torch

from benchbench.adapters.base import CheckpointAdapter, Videos
from benchbench.adapters.diffusion import ScheduledCheckpoint


class VideoDiffusionAdapter(Videos, ScheduledCheckpoint, CheckpointAdapter):
    """Clips ``[n, frames, 1, H, W]`` in [0, 1]; ``labels`` picks the digits (drawn
    uniformly without them)."""

    family = "video-diffusion"
    archs = ("video-dit",)

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        sampler: str = "ddim",
        steps: int = 50,
        eta: float = 0.0,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        x = self.denoised(
            n,
            (self.net.frames, 1, self.net.size, self.net.size),
            generator,
            sampler,
            steps,
            eta,
            labels,
        )
        return (x / 2 + 0.5).clamp(0.0, 1.0)
