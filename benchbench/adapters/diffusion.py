"""Diffusion family: a denoising UNet run through a sampler for ``steps`` network passes.

Weights are a diffusers directory loaded with ``from_pretrained``: either a
``DDPMPipeline``-style folder with ``unet/`` and ``scheduler/`` subfolders, or a
``UNet2DModel`` folder (``config.json`` + weights) with an optional
``scheduler_config.json`` beside it. The number of steps is a parameter, so a suite
can sweep it and show the speed–quality trade that defines this family.

A UNet trained with class labels (``num_class_embeds`` in its config, the last class
meaning "no condition") samples the ``labels`` it is given, with classifier-free
guidance (Ho & Salimans 2022): noise = uncond + guidance · (cond − uncond), so guidance 0
ignores the label, 1 is the plain conditional model, and larger values trade diversity
for fidelity to the label. An unconditional UNet ignores labels — which is how a suite
shows that it cannot be steered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import Field

from benchbench.adapters.base import Adapter, DType, NoParams, dtype_field, seeded, torch_dtype
from benchbench.hashing import sha256_tree, stable_hash

SCHEDULER_CONFIG = "scheduler_config.json"


class DiffusionParams(NoParams):
    sampler: Literal["ddpm", "ddim"] = Field(
        default="ddim",
        description="ddpm: ancestral sampling (stochastic); ddim: deterministic when eta=0",
    )
    steps: int = Field(default=50, ge=1, le=1000, description="denoising steps (network passes)")
    eta: float = Field(default=0.0, ge=0, le=1, description="DDIM noise scale (0 = deterministic)")
    guidance: float = Field(
        default=1.0,
        ge=0,
        le=50,
        description="classifier-free guidance scale for class-conditional UNets (1: plain "
        "conditional; ignored by unconditional ones)",
    )
    dtype: DType = dtype_field()


class DiffusionAdapter(Adapter):
    """A diffusers ``UNet2DModel`` trained on images in [-1, 1] to predict the noise."""

    family = "diffusion"
    Params = DiffusionParams
    load_params = ("dtype",)

    def __init__(
        self,
        unet: torch.nn.Module,
        scheduler_config: dict,
        device: torch.device,
        dtype: str = "float32",
    ):
        super().__init__(device)
        self.dtype = torch_dtype(dtype, device)
        self.unet = unet.to(device, self.dtype).eval()
        self.scheduler_config = dict(scheduler_config)
        self._schedulers: dict[tuple[str, int], object] = {}

    @classmethod
    def load(
        cls, weights: Path | None, device: torch.device, dtype: str = "float32"
    ) -> DiffusionAdapter:
        from diffusers import DDPMScheduler, UNet2DModel

        unet_dir, scheduler_dir = _diffusers_layout(weights)
        # low_cpu_mem_usage=False: the fast path needs `accelerate`; without it diffusers warns.
        unet = UNet2DModel.from_pretrained(unet_dir, low_cpu_mem_usage=False)
        if scheduler_dir is None:
            scheduler_config = DDPMScheduler().config  # diffusers' defaults: 1000 linear steps
        else:
            scheduler_config = DDPMScheduler.from_pretrained(scheduler_dir).config
        return cls(unet, scheduler_config, device, dtype)

    @classmethod
    def build(
        cls, config: dict[str, Any], device: torch.device, dtype: str = "float32"
    ) -> DiffusionAdapter:
        """``config``: a ``UNet2DModel`` config; the scheduler is diffusers' default DDPM."""
        from diffusers import DDPMScheduler, UNet2DModel

        unet = seeded(lambda: UNet2DModel(**config))
        return cls(unet, DDPMScheduler().config, device, dtype)

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
        guidance: float = 1.0,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        scheduler = self._scheduler(sampler, steps)
        config = self.unet.config
        shape = (n, config.in_channels, config.sample_size, config.sample_size)
        x = torch.randn(shape, generator=generator, device=self.device, dtype=self.dtype)
        x = x * scheduler.init_noise_sigma
        step_kwargs = {"eta": eta} if sampler == "ddim" else {}
        predict = self._noise_predictor(n, labels, guidance)
        for t in scheduler.timesteps:
            x = scheduler.step(predict(x, t), t, x, generator=generator, **step_kwargs).prev_sample
        return (x / 2 + 0.5).clamp(0.0, 1.0)

    @property
    def null_class(self) -> int | None:
        """The "no condition" class of a class-conditional UNet (its last), else None."""
        classes = self.unet.config.get("num_class_embeds")
        return None if classes is None else classes - 1

    def _noise_predictor(self, n: int, labels: torch.Tensor | None, guidance: float):
        """``(x, t) -> noise``: plain, conditional, or guided (one batched pass for both)."""
        null = self.null_class
        if null is None or labels is None:
            return lambda x, t: self.unet(x, t).sample
        labels = torch.as_tensor(labels, device=self.device).long()
        if labels.shape != (n,) or labels.min() < 0 or labels.max() >= null:
            raise ValueError(f"labels must be {n} class indices in 0..{null - 1}")
        if guidance == 1.0:
            return lambda x, t: self.unet(x, t, class_labels=labels).sample
        both = torch.cat([labels, torch.full_like(labels, null)])

        def guided(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            cond, uncond = self.unet(torch.cat([x, x]), t, class_labels=both).sample.chunk(2)
            return uncond + guidance * (cond - uncond)

        return guided

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
