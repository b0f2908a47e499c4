"""The zoo's VAE as a trainer: ``vae-digits``, the negative ELBO (Bernoulli BCE + KL, nats
per image) with Adam; it samples its live weights (the recipe keeps no EMA)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field

from benchbench.adapters.vae import VAEAdapter
from benchbench.data.digits import load_digits
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.nets.vae import VAE
from benchbench.trainers.base import StepResult
from benchbench.trainers.common import RecipeTrainer, TrainerHyper, build, descend


class VAEHyper(TrainerHyper):
    lr: Real = Field(default=2e-3, gt=0, le=10, description="Adam's learning rate")
    batch_size: WholeNumber = Field(default=64, ge=2, le=1024, description="examples per update")
    width: WholeNumber = Field(default=32, ge=2, le=512, description="channels of the nets")
    latent_dim: WholeNumber = Field(default=16, ge=1, le=1024, description="latent size")


class VAETrainer(RecipeTrainer):
    name = "vae-digits"
    family = "vae"
    Hyper = VAEHyper

    def __init__(self, hyper: VAEHyper, seed: int, device: torch.device, total_steps: int) -> None:
        super().__init__(hyper, seed, device, total_steps)
        self.config = {"latent_dim": hyper.latent_dim, "width": hyper.width}
        self.model = build(lambda: VAE(**self.config), seed, device).train()
        optimizer = torch.optim.Adam(self.model.parameters(), lr=hyper.lr)
        self.setup((load_digits("train")[0],), {"vae": self.model}, {"vae": optimizer})

    def update(self, x: torch.Tensor) -> StepResult:
        x = x.to(self.device)
        mu, logvar = self.model.encode(x)
        eps = torch.randn(mu.shape, generator=self.noise, device=self.device)
        z = mu + torch.exp(0.5 * logvar) * eps
        recon = F.binary_cross_entropy_with_logits(self.model.decode_logits(z), x, reduction="sum")
        kl = -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - logvar.exp())
        loss = (recon + kl) / len(x)
        norm = descend(self.optimizers["vae"], loss)
        return StepResult({"neg_elbo": loss.item(), "kl": kl.item() / len(x)}, {"vae": norm})

    def sampler(self) -> VAEAdapter:
        return VAEAdapter(self.sampling_copy(self.model), self.device)
