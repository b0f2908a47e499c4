"""VAE family: decode draws from the prior; encode/decode stay available for latent metrics."""

from __future__ import annotations

import torch
from pydantic import Field

from benchbench.adapters.base import CheckpointAdapter, LatentVariableModel, NoParams
from benchbench.fieldtypes import Real


class VAEParams(NoParams):
    temperature: Real = Field(
        default=1.0, ge=0, description="scale of the prior's standard deviation when sampling"
    )


class VAEAdapter(CheckpointAdapter, LatentVariableModel):
    """A benchbench checkpoint of a VAE with ``latent_dim``, ``encode`` and ``decode``."""

    family = "vae"
    Params = VAEParams

    @property
    def latent_dim(self) -> int:
        return self.net.latent_dim

    def sample(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
        z = torch.randn(n, self.net.latent_dim, generator=generator, device=self.device)
        return self.decode(z * temperature)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        mean, _logvar = self.net.encode(images.to(self.device))
        return mean

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        return self.net.decode(latents.to(self.device)).clamp(0.0, 1.0)
