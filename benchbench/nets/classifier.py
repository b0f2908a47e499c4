"""``DigitsCNN``: a digit classifier whose penultimate layer is the ``digits-cnn`` extractor.

Quality metrics need features in which real digits cluster by class, the role
Inception-v3 plays for FID on natural images. A network trained to classify the same
kind of images gives such features; its 64-unit penultimate layer (after the last ReLU,
before the final linear layer) is what ``features`` returns.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3×3 conv + batch norm + ReLU layers, then 2×2 max pooling (halves the size)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class DigitsCNN(nn.Module):
    """16×16 one-channel images in [0, 1] → ``features [N, feature_dim]`` → ``logits [N, 10]``."""

    def __init__(self, feature_dim: int = 64, width: int = 32, num_classes: int = 10) -> None:
        super().__init__()
        self.feature_dim = feature_dim
        self.body = nn.Sequential(
            _conv_block(1, width),  # 8×8
            _conv_block(width, 2 * width),  # 4×4
            nn.Flatten(),
            nn.Linear(2 * width * 16, feature_dim),
            nn.ReLU(inplace=True),
        )
        self.classify = nn.Linear(feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate activations, ``[N, feature_dim]``, non-negative (post-ReLU)."""
        return self.body(x * 2.0 - 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x))
