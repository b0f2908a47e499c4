"""A DiffWave-style denoiser (Kong et al., 2021) for 0.512 s clips at 8 kHz.

Residual layers of non-causal dilated convolutions (kernel 3, dilations 1, 2, ..., 2^(c-1),
repeated), each told the diffusion step (a sinusoidal embedding through a small MLP, added
before the convolution) and conditioned on the digit and a coarse clock (see
``conditioning``), with gated activations and skip connections summed into a head whose
last layer starts at zero. ``forward(noisy, timesteps, labels)`` predicts the noise that
was added (the DDPM epsilon objective).

The noise schedule is part of the model (it fixes what each step embedding means): linear
betas from ``beta_start`` to ``beta_end`` over ``train_timesteps`` steps, as DiffWave.
``scheduler_config`` gives it to diffusers' DDPM and DDIM schedulers.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from benchbench.nets.audio.conditioning import DigitClock


def step_embedding(timesteps: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding ``[N, dim]`` of diffusion steps (Vaswani et al. 2017's)."""
    half = dim // 2
    frequencies = torch.exp(
        -math.log(10_000.0) * torch.arange(half, device=timesteps.device) / half
    )
    angles = timesteps.float()[:, None] * frequencies[None]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class DiffWaveLayer(nn.Module):
    """x + step → dilated conv + conditioning → gate → residual (scaled by 1/√2) and skip."""

    def __init__(self, channels: int, dilation: int, step_dim: int, cond_dim: int) -> None:
        super().__init__()
        self.step = nn.Linear(step_dim, channels)
        self.conv = nn.Conv1d(channels, 2 * channels, 3, padding=dilation, dilation=dilation)
        self.cond = nn.Conv1d(cond_dim, 2 * channels, 1, bias=False)
        self.out = nn.Conv1d(channels, 2 * channels, 1)

    def forward(
        self, x: torch.Tensor, step: torch.Tensor, cond: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.conv(x + self.step(step)[:, :, None]) + self.cond(cond)
        a, b = h.chunk(2, dim=1)
        residual, skip = self.out(torch.tanh(a) * torch.sigmoid(b)).chunk(2, dim=1)
        return (x + residual) / math.sqrt(2.0), skip


class DiffWave(nn.Module):
    """``forward(noisy [N, 1, T], timesteps [N] or scalar, labels [N]) -> noise [N, 1, T]``."""

    def __init__(
        self,
        channels: int = 32,
        layers: int = 12,
        dilation_cycle: int = 6,
        step_dim: int = 64,
        num_classes: int = 10,
        cond_dim: int = 16,
        clock_bins: int = 16,
        clip_samples: int = 4096,
        sample_rate: int = 8000,
        train_timesteps: int = 200,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.clip_samples = clip_samples
        self.sample_rate = sample_rate
        self.schedule = {
            "num_train_timesteps": train_timesteps,
            "beta_start": beta_start,
            "beta_end": beta_end,
        }
        self.step_dim = step_dim
        self.input = nn.Conv1d(1, channels, 1)
        self.step_mlp = nn.Sequential(
            nn.Linear(step_dim, 2 * step_dim), nn.SiLU(), nn.Linear(2 * step_dim, 2 * step_dim)
        )
        self.condition = DigitClock(cond_dim, num_classes, clock_bins, clip_samples)
        self.layers = nn.ModuleList(
            DiffWaveLayer(channels, 2 ** (i % dilation_cycle), 2 * step_dim, cond_dim)
            for i in range(layers)
        )
        self.head = nn.Sequential(
            nn.Conv1d(channels, channels, 1), nn.ReLU(), nn.Conv1d(channels, 1, 1)
        )
        nn.init.zeros_(self.head[-1].weight)  # starts by predicting zero noise, as DiffWave
        nn.init.zeros_(self.head[-1].bias)

    def scheduler_config(self) -> dict[str, Any]:
        """The diffusers scheduler config of this model's noise schedule: linear betas,
        predictions clipped to [-1, 1], "trailing" spacing so that few-step sampling starts
        at the last training step."""
        return {
            **self.schedule,
            "beta_schedule": "linear",
            "clip_sample": True,
            "timestep_spacing": "trailing",
        }

    def forward(
        self, noisy: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor, start: int = 0
    ) -> torch.Tensor:
        """The noise in ``noisy`` (samples ``start ..`` of clips of ``labels``: training
        sees crops) at diffusion steps ``timesteps``."""
        n = len(noisy)
        step = self.step_mlp(step_embedding(timesteps.reshape(-1).expand(n), self.step_dim))
        cond = self.condition(labels, start, noisy.shape[-1])
        x = F.relu(self.input(noisy))
        skips = torch.zeros((), device=noisy.device)
        for layer in self.layers:
            x, skip = layer(x, step, cond)
            skips = skips + skip
        return self.head(skips / math.sqrt(len(self.layers)))
