"""scikit-learn's 8×8 handwritten digits, upsampled: the embedded default's image data.

It ships with scikit-learn, so everything works offline. The split is fixed and does
not depend on any RNG or library version: within each class, in the file's order,
every fifth image (positions 4, 9, 14, ...) is held out as ``test`` (355 of 1,797
images); the rest is ``train``. Pixels are scaled from 0..16 to [0, 1] and resized
bilinearly from 8×8 to ``size``×``size`` (16 by default), one channel.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

Split = Literal["train", "test", "all"]
NATIVE_SIZE = 8
DEFAULT_SIZE = 16
NUM_CLASSES = 10


def split_indices(labels: np.ndarray, split: Split) -> np.ndarray:
    if split == "all":
        return np.arange(len(labels))
    held_out = np.zeros(len(labels), dtype=bool)
    for digit in range(NUM_CLASSES):
        positions = np.flatnonzero(labels == digit)
        held_out[positions[4::5]] = True
    return np.flatnonzero(held_out if split == "test" else ~held_out)


def load_digits(
    split: Split = "train", size: int = DEFAULT_SIZE
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images ``[N, 1, size, size]`` float32 in [0, 1] and labels ``[N]`` int64."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    labels = np.asarray(bunch.target)
    index = split_indices(labels, split)
    pixels = torch.from_numpy(bunch.images[index].astype(np.float32) / 16.0).unsqueeze(1)
    if size != NATIVE_SIZE:
        pixels = F.interpolate(pixels, size=(size, size), mode="bilinear", align_corners=False)
    return pixels.clamp_(0.0, 1.0), torch.from_numpy(labels[index].astype(np.int64))
