"""Image batches as the harness sees them: checks, grids for galleries, compact arrays."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

_TOLERANCE = 1e-4


class OutputError(ValueError):
    """A model returned something that is not a batch of its output kind (images in
    [0, 1], audio clips in [-1, 1]), or declared what its samples cannot be."""


def check_image_batch(batch: object, n: int, who: str) -> torch.Tensor:
    """``batch`` if it is ``n`` finite float images in [0, 1], NCHW; else a clear error."""
    if not isinstance(batch, torch.Tensor):
        raise OutputError(f"{who} returned {type(batch).__name__}, expected a torch.Tensor")
    if batch.ndim != 4 or batch.shape[0] != n or batch.shape[1] not in (1, 3):
        raise OutputError(
            f"{who} returned shape {tuple(batch.shape)}, expected [{n}, 1 or 3, H, W]"
        )
    return check_pixels(batch, who)


def check_pixels(batch: torch.Tensor, who: str) -> torch.Tensor:
    """``batch`` if its values are finite float pixels in [0, 1] (any shape: images or
    video frames); else a clear error naming ``who``."""
    if not batch.is_floating_point():
        raise OutputError(f"{who} returned dtype {batch.dtype}, expected floating point in [0, 1]")
    if not torch.isfinite(batch).all():
        raise OutputError(f"{who} returned NaN or infinite pixels")
    low, high = float(batch.min()), float(batch.max())
    if low < -_TOLERANCE or high > 1 + _TOLERANCE:
        raise OutputError(f"{who} returned pixels in [{low:.3g}, {high:.3g}], expected [0, 1]")
    return batch


def to_uint8(images: torch.Tensor) -> np.ndarray:
    return (images.clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()


def png_grid(images: torch.Tensor, nrow: int = 8, scale: int = 4) -> bytes:
    """A PNG of the images in a grid, upscaled with nearest neighbour so small ones are visible."""
    grid = make_grid(images.float().cpu(), nrow=nrow, padding=1, pad_value=0.5)  # always RGB
    picture = Image.fromarray(to_uint8(grid).transpose(1, 2, 0))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def npz_bytes(images: torch.Tensor) -> bytes:
    """All samples as a compressed uint8 NCHW array (key ``images``), for later re-scoring."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=to_uint8(images))
    return buffer.getvalue()
