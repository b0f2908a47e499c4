"""The DCGAN generator at its published size (Radford et al., 2016): 64×64 RGB images.

The architecture of the PyTorch DCGAN example (``nz=100``, ``ngf=64``): a 1×1 latent
grows 4 → 8 → 16 → 32 → 64 through stride-2 transposed convolutions with batch norm
and ReLU, 3.58 M parameters. The zoo does not train it; ``suites/gpu.yaml`` times it
with random weights (``init: random``), where only its shape matters.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn


class Generator64(nn.Module):
    """Maps ``z [N, z_dim]`` to images ``[N, channels, 64, 64]`` in [0, 1]."""

    def __init__(self, z_dim: int = 100, width: int = 64, channels: int = 3) -> None:
        super().__init__()
        self.z_dim = z_dim
        widths = [z_dim, 8 * width, 4 * width, 2 * width, width]
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(itertools.pairwise(widths)):
            stride, padding = (1, 0) if i == 0 else (2, 1)  # 1×1 → 4×4, then doubling
            layers += [
                nn.ConvTranspose2d(cin, cout, 4, stride, padding, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z[:, :, None, None]) * 0.5 + 0.5  # tanh's [-1, 1] as [0, 1]
