"""DiffWave family: a noise-predicting waveform net run through diffusers' DDPM or DDIM
sampler for ``steps`` network passes.

A class-conditional ``nets.audio.diffwave.DiffWave`` checkpoint; its noise schedule is part
of its config (``scheduler_config``), so the file alone defines the sampler.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import torch

from benchbench.adapters.base import CheckpointAdapter, Waveforms, given_or_drawn_labels
from benchbench.adapters.diffusion import SamplerParams, check_steps, denoise, make_scheduler


class DiffWaveAdapter(Waveforms, CheckpointAdapter):
    """Clips ``[n, 1, samples]`` in [-1, 1]; ``labels`` picks the digits (drawn uniformly
    without them)."""

    family = "diffwave"
    archs = ("diffwave",)
    Params = SamplerParams

    @classmethod
    def check_params(cls, weights: Path, params: dict[str, Any]) -> None:
        from benchbench.nets.checkpoint import check_checkpoint

        config = check_checkpoint(weights, cls.archs)
        trained = config.get("train_timesteps", _default("train_timesteps"))
        check_steps(params.get("steps", SamplerParams().steps), trained)

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        sampler: str = "ddim",
        steps: int = 50,
        eta: float = 0.0,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        check_steps(steps, self.net.schedule["num_train_timesteps"])
        labels = given_or_drawn_labels(labels, n, self.net.num_classes, generator, self.device)
        scheduler = make_scheduler(self.net.scheduler_config(), sampler, steps, self.device)
        shape = (n, 1, self.net.clip_samples)
        noise = torch.randn(shape, generator=generator, device=self.device)
        step_kwargs = {"eta": eta} if sampler == "ddim" else {}
        x = denoise(scheduler, lambda x, t: self.net(x, t, labels), noise, generator, **step_kwargs)
        return x.clamp(-1.0, 1.0)


def _default(argument: str) -> Any:
    """The DiffWave net's default for a config entry that a checkpoint may leave out."""
    from benchbench.nets.audio.diffwave import DiffWave

    return inspect.signature(DiffWave).parameters[argument].default
