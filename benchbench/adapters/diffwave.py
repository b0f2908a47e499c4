"""DiffWave family: a noise-predicting waveform net run through diffusers' DDPM or DDIM
sampler for ``steps`` network passes.

A class-conditional ``nets.audio.diffwave.DiffWave`` checkpoint; its noise schedule is part
of its config (``scheduler_config``), so the file alone defines the sampler.
"""

from __future__ import annotations

import torch

from benchbench.adapters.base import CheckpointAdapter, Waveforms
from benchbench.adapters.diffusion import SamplerParams, ScheduledCheckpoint


class DiffWaveAdapter(Waveforms, ScheduledCheckpoint, CheckpointAdapter):
    """Clips ``[n, 1, samples]`` in [-1, 1]; ``labels`` picks the digits (drawn uniformly
    without them)."""

    family = "diffwave"
    archs = ("diffwave",)

    def __init__(
        self,
        net: torch.nn.Module,
        device: torch.device,
        dtype: str = "float32",
        steps: int = SamplerParams().steps,
    ):
        super().__init__(net, device, dtype)
        self.steps = steps  # when ``sample`` is not told (a trainer's checkpoints use fewer)

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        sampler: str = "ddim",
        steps: int | None = None,
        eta: float = 0.0,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        steps = self.steps if steps is None else steps
        x = self.denoised(n, (1, self.net.clip_samples), generator, sampler, steps, eta, labels)
        return x.clamp(-1.0, 1.0)
