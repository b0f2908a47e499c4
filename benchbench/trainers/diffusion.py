"""The zoo's diffusion models as trainers: ``ddpm-digits`` and its class-conditional twin
``cddpm-digits``: epsilon-prediction MSE on images in [-1, 1], AdamW, an EMA of the UNet
(which is what gets sampled, with DDIM in ``eval_steps`` steps)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from pydantic import Field

from benchbench.adapters.diffusion import DiffusionAdapter
from benchbench.data.digits import DEFAULT_SIZE, load_digits
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.trainers.base import StepResult
from benchbench.trainers.common import EMA, RecipeTrainer, TrainerHyper, build, descend

# Kept cheap on purpose: the suites run DDIM at up to 250 steps on a CPU. No attention
# at 16×16 (the mid block's too is off); three resolutions 16 → 8 → 4.
UNET_CONFIG: dict[str, Any] = {
    "sample_size": DEFAULT_SIZE,
    "in_channels": 1,
    "out_channels": 1,
    "block_out_channels": [8, 16, 32],
    "layers_per_block": 1,
    "norm_num_groups": 4,
    "down_block_types": ["DownBlock2D"] * 3,
    "up_block_types": ["UpBlock2D"] * 3,
    "add_attention": False,
}
# Class-conditional diffusion: classes 0-9 are digits, NULL_CLASS is "no condition"; it
# replaces the class in this share of training examples (Ho & Salimans 2022 use 0.1-0.2).
NULL_CLASS = 10
CONDITION_DROPOUT = 0.15
# Saved with the weights: "trailing" spacing lets DDIM built from this config start at
# the last training step, which few-step sampling needs.
SCHEDULER_CONFIG: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "clip_sample": True,
    "timestep_spacing": "trailing",
}
EMA_DECAY = 0.999


class DiffusionHyper(TrainerHyper):
    lr: Real = Field(default=2e-3, gt=0, le=10, description="AdamW's learning rate")
    batch_size: WholeNumber = Field(default=128, ge=2, le=1024, description="examples per update")
    base_channels: WholeNumber = Field(
        default=8,
        ge=4,
        le=256,
        multiple_of=4,
        description="channels at 16×16 (doubled at 8×8 and again at 4×4; groups of 4)",
    )
    eval_steps: WholeNumber = Field(
        default=20, ge=1, le=1000, description="DDIM steps when sampled at a checkpoint"
    )


class DiffusionTrainer(RecipeTrainer):
    """``ddpm-digits``: the unconditional recipe."""

    name = "ddpm-digits"
    family = "diffusion"
    Hyper = DiffusionHyper
    conditional = False

    def __init__(
        self, hyper: DiffusionHyper, seed: int, device: torch.device, total_steps: int
    ) -> None:
        from diffusers import DDPMScheduler, UNet2DModel

        super().__init__(hyper, seed, device, total_steps)
        self.unet_config = self.config_for(hyper.base_channels)
        self.unet = build(lambda: UNet2DModel(**self.unet_config), seed, device).train()
        self.scheduler = DDPMScheduler(**SCHEDULER_CONFIG)
        optimizer = torch.optim.AdamW(self.unet.parameters(), lr=hyper.lr, weight_decay=0.0)
        self.ema = EMA(self.unet, decay=EMA_DECAY)
        images, labels = load_digits("train")
        data = (images, labels) if self.conditional else (images,)
        self.setup(data, {"unet": self.unet}, {"unet": optimizer})

    def config_for(self, base: int) -> dict[str, Any]:
        """The zoo's UNet config at ``base`` channels (and class embeddings if conditional)."""
        config = {**UNET_CONFIG, "block_out_channels": [base, 2 * base, 4 * base]}
        return {**config, "num_class_embeds": NULL_CLASS + 1} if self.conditional else config

    def update(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> StepResult:
        device, noise = self.device, self.noise
        x = x.to(device) * 2.0 - 1.0
        eps = torch.randn(x.shape, generator=noise, device=device)
        timesteps = self.scheduler.config.num_train_timesteps
        t = torch.randint(0, timesteps, (len(x),), generator=noise, device=device)
        class_labels = None
        if labels is not None:
            drop = torch.rand(len(x), generator=noise, device=device) < CONDITION_DROPOUT
            class_labels = torch.where(drop, NULL_CLASS, labels.to(device))
        noisy = self.scheduler.add_noise(x, eps, t)
        loss = F.mse_loss(self.unet(noisy, t, class_labels=class_labels).sample, eps)
        norm = descend(self.optimizers["unet"], loss)
        self.ema.update(self.unet)
        return StepResult({"mse": loss.item()}, {"unet": norm})

    def sampler(self) -> DiffusionAdapter:
        unet = self.sampling_copy(self.ema.module)
        return DiffusionAdapter(
            unet, self.scheduler.config, self.device, steps=self.hyper.eval_steps
        )


class ConditionalDiffusionTrainer(DiffusionTrainer):
    """``cddpm-digits``: conditioned on the digit's class, replaced by the null class with
    probability ``CONDITION_DROPOUT`` so one network predicts both conditional and
    unconditional noise (classifier-free guidance)."""

    name = "cddpm-digits"
    conditional = True
