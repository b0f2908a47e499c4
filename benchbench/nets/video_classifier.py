"""``MovingDigitsCNN``: a (2+1)-D classifier of moving-digits clips whose clip vector is the
``moving-digits-cnn`` extractor and whose frame vector is its per-frame space.

- **frame trunk** (2-D, shared by all frames): a 2×2 average pool (32 → 16: the digits
  are scikit-learn's 8×8 images upscaled, so the 16×16 view keeps their detail at a
  quarter of the cost), then two blocks of a 3×3 convolution, batch norm, ReLU and 2×2
  max pooling (16 → 8 → 4, ``width`` and twice as many channels); the 4×4 map flattened
  (it keeps *where* the digit is, which motion needs) beside its global max over
  positions (*what* it is, wherever it is), then a linear layer to ``frame_dim`` with
  ReLU: ``frame_features``, one vector per frame.
- **temporal head** (1-D over the frame vectors): two convolutions of kernel 3 and
  stride 2 with ReLU (16 → 8 → 4 time steps), flattened in time order and a linear
  layer to ``feature_dim`` with ReLU: ``features``, one vector per clip. Time order
  survives to the clip vector, so a clip played frozen, backwards or shuffled moves it.
- **heads**: ``classify`` (the digit, 10 classes: the ``logits``), ``direction`` (the
  initial velocity's sign pair, 4 classes) on the clip vector, and ``frame_classify``
  (the digit from one frame), which trains the per-frame space to hold the digit.

The temporal head flattens a fixed number of time steps, so the network embeds clips
of exactly ``frames`` frames (16).
"""

from __future__ import annotations

import torch
from torch import nn


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """A 3×3 conv + batch norm + ReLU, then 2×2 max pooling (halves the size)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class MovingDigitsCNN(nn.Module):
    """Videos ``[N, frames, 1, size, size]`` in [0, 1] → ``features [N, feature_dim]``
    (post-ReLU) → ``logits [N, num_classes]``; ``frame_features`` → ``[N * frames, frame_dim]``."""

    def __init__(
        self,
        frames: int = 16,
        size: int = 32,
        width: int = 16,
        frame_dim: int = 64,
        temporal_width: int = 64,
        feature_dim: int = 64,
        num_classes: int = 10,
        num_directions: int = 4,
    ) -> None:
        super().__init__()
        self.frames, self.feature_dim, self.frame_dim = frames, feature_dim, frame_dim
        cells = (size // 8) ** 2
        self.convs = nn.Sequential(
            nn.AvgPool2d(2), _conv_block(1, width), _conv_block(width, 2 * width)
        )
        self.frame_project = nn.Sequential(
            nn.Linear(2 * width * (cells + 1), frame_dim), nn.ReLU(inplace=True)
        )
        steps = frames // 4  # after two stride-2 convolutions
        self.temporal = nn.Sequential(
            nn.Conv1d(frame_dim, temporal_width, 3, stride=2, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv1d(temporal_width, temporal_width, 3, stride=2, padding=1),
            nn.ReLU(inplace=True),
            nn.Flatten(),
            nn.Linear(temporal_width * steps, feature_dim),
            nn.ReLU(inplace=True),
        )
        self.classify = nn.Linear(feature_dim, num_classes)
        self.direction = nn.Linear(feature_dim, num_directions)
        self.frame_classify = nn.Linear(frame_dim, num_classes)

    def frame_features(self, frames: torch.Tensor) -> torch.Tensor:
        """Per-frame vectors ``[B, frame_dim]`` of frames ``[B, 1, size, size]`` in [0, 1]."""
        maps = self.convs(frames * 2.0 - 1.0)
        where_and_what = torch.cat([maps.flatten(1), maps.amax(dim=(2, 3))], dim=1)
        return self.frame_project(where_and_what)

    def clip_features(self, frame_vectors: torch.Tensor) -> torch.Tensor:
        """Clip vectors ``[N, feature_dim]`` from frame vectors ``[N, frames, frame_dim]``."""
        return self.temporal(frame_vectors.transpose(1, 2))

    def features(self, videos: torch.Tensor) -> torch.Tensor:
        """The clip vectors ``[N, feature_dim]`` (non-negative, post-ReLU)."""
        frame_vectors = self.frame_features(videos.flatten(0, 1))
        return self.clip_features(frame_vectors.unflatten(0, videos.shape[:2]))

    def forward(self, videos: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(videos))
