"""A small convolutional VAE (Kingma & Welling, 2014) for 16×16 one-channel digits.

The decoder's output is read as Bernoulli means, so ``decode`` returns pixels in [0, 1]
directly and the reconstruction term is binary cross-entropy against the [0, 1] image.
"""

from __future__ import annotations

import torch
from torch import nn


class VAE(nn.Module):
    """Encoder 16×16 → 8×8 → 4×4 → ``latent_dim`` Gaussian; the decoder mirrors it."""

    def __init__(self, latent_dim: int = 16, width: int = 32) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.width = width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1),  # 8×8
            nn.SiLU(),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),  # 4×4
            nn.SiLU(),
            nn.Flatten(),
            nn.Linear(2 * width * 16, 2 * latent_dim),  # mean and log-variance side by side
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 2 * width * 16),
            nn.SiLU(),
            nn.Unflatten(1, (2 * width, 4, 4)),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),  # 8×8
            nn.SiLU(),
            nn.ConvTranspose2d(width, width, 4, stride=2, padding=1),  # 16×16
            nn.SiLU(),
            nn.Conv2d(width, 1, 3, padding=1),
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The posterior ``q(z | x)`` as mean and log-variance, each ``[N, latent_dim]``."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Pre-sigmoid decoder output: training uses it for a numerically stable BCE."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``[N, 1, 16, 16]`` in [0, 1] from latents ``[N, latent_dim]``."""
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruction from the posterior mean (deterministic), with the posterior itself.

        Sampling ``z`` needs a generator, which ``forward`` has no place for; training code
        draws ``z = mu + sigma * eps`` with its own seeded generator and calls ``decode``.
        """
        mu, logvar = self.encode(x)
        return self.decode(mu), mu, logvar
