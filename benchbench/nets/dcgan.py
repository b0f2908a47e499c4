"""DCGAN (Radford et al., 2016) scaled down to 16×16 one-channel digits.

The generator doubles the resolution 4 → 8 → 16 with stride-2 transposed convolutions,
batch norm and ReLU, the discriminator halves it back with stride-2 convolutions and
LeakyReLU: the recipe that made GAN training stable, at a size that trains on a CPU.
The discriminator uses spectral norm (Miyato et al., 2018) where DCGAN had batch norm.
"""

from __future__ import annotations

import torch
from torch import nn


def _identity(channels: int) -> nn.Module:
    """Stands where a batch norm over ``channels`` would: no normalisation."""
    return nn.Identity()


def _unchanged(layer: nn.Module) -> nn.Module:
    """Stands where spectral norm would wrap ``layer``: the layer as it is."""
    return layer


class Generator(nn.Module):
    """Maps ``z [N, z_dim]`` (standard normal) to images ``[N, 1, 16, 16]`` in [0, 1]."""

    def __init__(self, z_dim: int = 32, width: int = 64, batch_norm: bool = True) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.width = width
        # Without batch norm (a training suite's fragile setting) the layers are identities,
        # so parameter names stay those of the checkpoints trained with it.
        norm = nn.BatchNorm2d if batch_norm else _identity
        # A linear layer to 4×4 is the transposed convolution over a 1×1 input, written plainly.
        self.project = nn.Sequential(
            nn.Linear(z_dim, 2 * width * 16, bias=False),
            nn.Unflatten(1, (2 * width, 4, 4)),
            norm(2 * width),
            nn.ReLU(inplace=True),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # 8×8
            norm(width),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(width, width // 2, 4, stride=2, padding=1, bias=False),  # 16×16
            norm(width // 2),
            nn.ReLU(inplace=True),
            nn.Conv2d(width // 2, 1, 3, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # Sigmoid rather than tanh: the contract is pixels in [0, 1], with no rescaling step.
        return torch.sigmoid(self.upsample(self.project(z)))


class Discriminator(nn.Module):
    """Maps images ``[N, 1, 16, 16]`` in [0, 1] to one real-vs-fake logit each, ``[N]``."""

    def __init__(self, width: int = 64, spectral_norm: bool = True) -> None:
        super().__init__()
        self.width = width
        # Spectral norm instead of batch norm: it bounds the discriminator's Lipschitz
        # constant, which keeps it from overpowering the generator on a small training set.
        # Off only in a training suite's fragile setting.
        sn = nn.utils.parametrizations.spectral_norm if spectral_norm else _unchanged
        self.body = nn.Sequential(
            sn(nn.Conv2d(1, width // 2, 4, stride=2, padding=1)),  # 8×8
            nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width // 2, width, 4, stride=2, padding=1)),  # 4×4
            nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(),
            sn(nn.Linear(width * 16, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x * 2.0 - 1.0).squeeze(1)  # zero-centred input, as convolutions prefer


class ConditionalGenerator(Generator):
    """A class-conditional generator (Mirza & Osindero, 2014): the class, one-hot, is
    concatenated to ``z``; ``forward(z, labels)``."""

    def __init__(
        self, z_dim: int = 32, width: int = 64, num_classes: int = 10, batch_norm: bool = True
    ) -> None:
        super().__init__(z_dim + num_classes, width, batch_norm)
        self.z_dim = z_dim
        self.num_classes = num_classes

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        one_hot = nn.functional.one_hot(labels, self.num_classes).to(z.dtype)
        return super().forward(torch.cat([z, one_hot], dim=1))


class ProjectionDiscriminator(Discriminator):
    """A class-conditional discriminator with a projection head (Miyato & Koyama, 2018):
    logit = ψ(h) + ⟨embed(y), h⟩ for features h, so it judges "real *and* this class"."""

    def __init__(self, width: int = 64, num_classes: int = 10, spectral_norm: bool = True) -> None:
        super().__init__(width, spectral_norm)
        self.embed = nn.Embedding(num_classes, width * 16)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        features = self.body[:-1](x * 2.0 - 1.0)
        projection = (self.embed(labels) * features).sum(dim=1)
        return self.body[-1](features).squeeze(1) + projection
