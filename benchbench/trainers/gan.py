"""The zoo's GANs as trainers: ``dcgan-digits`` and its class-conditional twin ``cgan-digits``.

Non-saturating loss, one discriminator and one generator update per step, Adam with
β1 = 0.5, one-sided label smoothing of the real targets, an EMA of the generator (which
is what gets sampled), a spectrally normalised discriminator.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from pydantic import Field

from benchbench.adapters.gan import GANAdapter
from benchbench.data.digits import load_digits
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.nets.dcgan import (
    ConditionalGenerator,
    Discriminator,
    Generator,
    ProjectionDiscriminator,
)
from benchbench.trainers.base import StepResult
from benchbench.trainers.common import EMA, RecipeTrainer, TrainerHyper, build, descend

EMA_DECAY = 0.999


class GANHyper(TrainerHyper):
    lr: Real = Field(default=2e-4, gt=0, le=10, description="Adam's learning rate (both nets)")
    batch_size: WholeNumber = Field(
        default=32, ge=2, le=1024, description="small batches: more updates per epoch"
    )
    beta1: Real = Field(default=0.5, ge=0, lt=1, description="Adam's β1 (both nets)")
    batch_norm: bool = Field(default=True, description="batch norm in the generator")
    spectral_norm: bool = Field(default=True, description="spectral norm in the discriminator")
    label_smoothing: Real = Field(
        default=0.1, ge=0, lt=1, description="real targets are 1 - this (one-sided smoothing)"
    )
    width: WholeNumber = Field(default=64, ge=2, le=512, description="channels of both nets")
    z_dim: WholeNumber = Field(default=32, ge=1, le=1024, description="latent size")


class GANTrainer(RecipeTrainer):
    """``dcgan-digits``: the unconditional DCGAN recipe."""

    name = "dcgan-digits"
    family = "gan"
    Hyper = GANHyper
    conditional = False

    def __init__(self, hyper: GANHyper, seed: int, device: torch.device, total_steps: int) -> None:
        super().__init__(hyper, seed, device, total_steps)
        g_config, d_config = self.generator_config(), self.discriminator_config()
        g_class, d_class = (
            (ConditionalGenerator, ProjectionDiscriminator)
            if self.conditional
            else (Generator, Discriminator)
        )
        self.gen = build(lambda: g_class(**g_config), seed, device).train()
        self.disc = build(lambda: d_class(**d_config), seed + 1, device).train()
        betas = (hyper.beta1, 0.999)
        optimizers = {
            "generator": torch.optim.Adam(self.gen.parameters(), lr=hyper.lr, betas=betas),
            "discriminator": torch.optim.Adam(self.disc.parameters(), lr=hyper.lr, betas=betas),
        }
        self.ema = EMA(self.gen, decay=EMA_DECAY)
        images, labels = load_digits("train")
        data = (images, labels) if self.conditional else (images,)
        self.setup(data, {"generator": self.gen, "discriminator": self.disc}, optimizers)

    def _classes(self) -> dict[str, Any]:
        return {"num_classes": 10} if self.conditional else {}

    def generator_config(self) -> dict[str, Any]:
        """The generator's constructor arguments, as its checkpoint records them (a flag
        only when it differs from the net's default, so the zoo's files stay as they are)."""
        flags = {} if self.hyper.batch_norm else {"batch_norm": False}
        return {"z_dim": self.hyper.z_dim, "width": self.hyper.width, **self._classes(), **flags}

    def discriminator_config(self) -> dict[str, Any]:
        flags = {} if self.hyper.spectral_norm else {"spectral_norm": False}
        return {"width": self.hyper.width, **self._classes(), **flags}

    def update(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> StepResult:
        gen, disc, device = self.gen, self.disc, self.device
        x = x.to(device)
        condition = () if labels is None else (labels.to(device),)
        z = torch.randn(len(x), gen.z_dim, generator=self.noise, device=device)
        fake = gen(z, *condition)
        real_logits, fake_logits = disc(x, *condition), disc(fake.detach(), *condition)
        real_target = torch.full_like(real_logits, 1.0 - self.hyper.label_smoothing)
        d_loss = F.binary_cross_entropy_with_logits(
            real_logits, real_target
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        d_norm = descend(self.optimizers["discriminator"], d_loss)
        gen_logits = disc(fake, *condition)
        g_loss = F.binary_cross_entropy_with_logits(gen_logits, torch.ones_like(gen_logits))
        g_norm = descend(self.optimizers["generator"], g_loss)
        self.ema.update(gen)
        return StepResult(
            {"generator": g_loss.item(), "discriminator": d_loss.item()},
            {"generator": g_norm, "discriminator": d_norm},
        )

    def sampler(self) -> GANAdapter:
        return GANAdapter(self.sampling_copy(self.ema.module), self.device)


class ConditionalGANTrainer(GANTrainer):
    """``cgan-digits``: the class goes to the generator (one-hot beside z) and to a
    projection discriminator; fakes are drawn for the real batch's classes."""

    name = "cgan-digits"
    conditional = True
