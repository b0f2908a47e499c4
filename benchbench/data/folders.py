"""Image sets from disk: a folder of PNG/JPEG files, or a ``.npz`` array.

A ``.npz`` holds uint8 images under the key ``images``, NCHW (as ``bench run`` stores
samples) or NHWC; the channel axis is the one of size 1 or 3, NCHW when both are. A
folder's files are read in sorted name order; they must share one size, and are
grey (one channel) only if every file is. Either way the result is an ``ImageSet``
whose identity is the content hash, so caches key on the pixels, not the path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from benchbench.data import ImageSet

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class ImageLoadError(ValueError):
    """A path that does not hold a usable image set; the message says why."""


def load_images(path: str | Path) -> ImageSet:
    """Images in ``path`` as float32 in [0, 1], NCHW, with a content-hash identity."""
    path = Path(path)
    if path.is_dir():
        array = _folder(path)
    elif path.suffix == ".npz" and path.is_file():
        array = _npz(path)
    else:
        raise ImageLoadError(f"{path}: not an image folder or a .npz file")
    images = torch.from_numpy(array).float().div_(255.0)
    return ImageSet(path.name, "files", images)


def _folder(path: Path) -> np.ndarray:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ImageLoadError(f"{path}: no {'/'.join(IMAGE_SUFFIXES)} files")
    pictures = [Image.open(f) for f in files]
    sizes = {p.size for p in pictures}
    if len(sizes) > 1:
        raise ImageLoadError(f"{path}: images differ in size {sorted(sizes)}; resize them first")
    mode = "L" if all(p.mode in ("L", "1") for p in pictures) else "RGB"
    arrays = [np.asarray(p.convert(mode), dtype=np.uint8) for p in pictures]
    stacked = np.stack(arrays)
    return stacked[:, None] if mode == "L" else stacked.transpose(0, 3, 1, 2)


def _npz(path: Path) -> np.ndarray:
    with np.load(path) as stored:
        if "images" not in stored:
            raise ImageLoadError(f"{path}: no 'images' array (keys: {', '.join(stored.files)})")
        array = stored["images"]
    if array.dtype != np.uint8 or array.ndim != 4:
        raise ImageLoadError(
            f"{path}: 'images' must be uint8 [N, C, H, W] or [N, H, W, C], "
            f"got {array.dtype} {array.shape}"
        )
    if array.shape[1] in (1, 3):
        return np.ascontiguousarray(array)
    if array.shape[3] in (1, 3):
        return np.ascontiguousarray(array.transpose(0, 3, 1, 2))
    raise ImageLoadError(f"{path}: no channel axis of size 1 or 3 in shape {array.shape}")
