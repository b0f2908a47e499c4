"""Conditioning shared by the sample-level audio nets (WaveNet, DiffWave).

Both see a short window around each sample (their receptive field: a few hundred samples,
tens of milliseconds), while a spoken digit is a word whose spectrum changes over half a
second. So besides the digit (global conditioning, van den Oord et al. 2016) they are told
a coarse *clock*: which of ``clock_bins`` equal slices of the clip a sample lies in. It is
local conditioning on time alone (no feature of the target leaks in), the cheapest way for
a small net to know where in the word it is. ``clock_bins = 0`` turns it off.
"""

from __future__ import annotations

from typing import TypeVar

import torch
from torch import nn

T = TypeVar("T", int, torch.Tensor)


class DigitClock(nn.Module):
    """Per-sample conditioning vectors ``[N, dim, T]`` from the digit and the sample's slice."""

    def __init__(self, dim: int, num_classes: int, clock_bins: int, clip_samples: int) -> None:
        super().__init__()
        if clock_bins < 0 or (clock_bins and clip_samples % clock_bins):
            raise ValueError(
                f"clock_bins must be 0 or divide clip_samples ({clip_samples}); got {clock_bins}"
            )
        self.clock_bins = clock_bins
        self.clip_samples = clip_samples
        self.digit = nn.Embedding(num_classes, dim)
        self.clock = nn.Embedding(clock_bins, dim) if clock_bins else None

    def forward(self, labels: torch.Tensor, start: int, length: int) -> torch.Tensor:
        """Vectors for samples ``start .. start + length - 1`` of clips of ``labels``."""
        vectors = self.digit(labels)[:, :, None].expand(-1, -1, length)
        if self.clock is None:
            return vectors
        positions = torch.arange(start, start + length, device=labels.device)
        return vectors + self.clock(self.slice_of(positions)).T[None]

    def slice_of(self, position: T) -> T:
        """The clock slice of a sample position (an int or a tensor of them); 0 without a
        clock. The vectors are constant within a slice."""
        if self.clock is None:
            return position * 0
        return position * self.clock_bins // self.clip_samples  # positions lie in the clip
