"""Image sets from disk: a folder of PNG/JPEG files, or a ``.npz`` array.

A ``.npz`` holds uint8 images under the key ``images``, NCHW (as ``bench run`` stores
samples) or NHWC; the channel axis is the one of size 1 or 3, NCHW when both are. A
folder's ``.png``/``.jpg``/``.jpeg`` files are read in sorted name order, each at the
scale of its mode (``benchbench.data.pixels``: 16-bit PNGs too) and closed before the
next is opened; they must share one size, and are grey (one channel) only if every
file is. Other entries of the folder are skipped and named through ``warn``. A file
that cannot be read (truncated, undecodable, empty, a decompression bomb, a broken
link) is an error naming it. Either way the result is an ``ImageSet`` whose identity
is the content hash, so caches key on the pixels, not the path.
"""

from __future__ import annotations

import errno
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from benchbench.data import ImageSet
from benchbench.data.pixels import PixelModeError, Pixels, read_pixels

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# What Pillow's decoders raise on a damaged file, besides OSError (truncated data).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
# What reading a damaged .npz raises: a cut zip, a bad CRC or stream, object arrays.
_NPZ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
ZIP_MAGIC = b"PK\x03\x04"


class ImageLoadError(ValueError):
    """A path that does not hold a usable image set; the message says why."""


def load_images(path: str | Path, warn: Callable[[str], None] | None = None) -> ImageSet:
    """Images in ``path`` as float32 in [0, 1], NCHW, with a content-hash identity;
    ``warn`` is told which folder entries were skipped as not images."""
    path = Path(path)
    if path.is_dir():
        images = torch.from_numpy(_folder(path, warn or (lambda _: None)))
    elif path.suffix == ".npz" and path.is_file():
        images = torch.from_numpy(_npz(path)).float().div_(255.0)
    else:
        raise ImageLoadError(f"{path}: {_not_a_set(path)}")
    return ImageSet(path.name, "files", images)


def _not_a_set(path: Path) -> str:
    """Why ``path`` is neither a folder nor a ``.npz`` file, in a few words."""
    try:
        path.stat()
    except OSError as exc:
        return _os_reason(path, exc)
    if path.is_file():
        return "a file, but neither an image folder nor a .npz file"
    return "neither an image folder nor a .npz file"


def _os_reason(path: Path, exc: OSError) -> str:
    """The system's reason, naming a broken symbolic link as such."""
    if exc.errno == errno.ENOENT and path.is_symlink():
        return "a broken symbolic link"
    return exc.strerror or str(exc)


def _folder(path: Path, warn: Callable[[str], None]) -> np.ndarray:
    files = _image_files(path, warn)
    first = _read(files[0])
    pixels = [first]
    for file in files[1:]:
        picture = _read(file)
        if picture.size != first.size:
            raise ImageLoadError(
                f"{file}: {_size(picture)}, but {files[0].name} is {_size(first)}; "
                f"every image of a folder must share one size (resize them first)"
            )
        pixels.append(picture)
    return _stack(pixels)


def _image_files(path: Path, warn: Callable[[str], None]) -> list[Path]:
    """The folder's image files in name order; ``warn`` names what else it holds."""
    try:
        entries = sorted(path.iterdir())
    except OSError as exc:
        raise ImageLoadError(f"{path}: cannot list the folder: {_os_reason(path, exc)}") from None
    files = [e for e in entries if e.suffix.lower() in IMAGE_SUFFIXES]
    others = [e.name for e in entries if e.suffix.lower() not in IMAGE_SUFFIXES]
    kinds = "/".join(IMAGE_SUFFIXES)
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        warn(f"{path}: skipped what is not a {kinds} file ({len(others)}): {shown}")
    if not files:
        raise ImageLoadError(f"{path}: no {kinds} files")
    return files


def _read(file: Path) -> Pixels:
    """One file's pixels. The file is closed before this returns (``Image.open`` is lazy
    and would keep it open until its pixels are read), and Pillow's decompression-bomb
    warning is an error like its bomb error: either way the file is refused. Only a
    regular file is opened: a pipe or a device could block or never end."""
    if file.is_dir():
        raise ImageLoadError(f"{file}: a folder, not an image file")
    if file.exists() and not file.is_file():
        raise ImageLoadError(f"{file}: not a regular file (a pipe or a device?)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image.load()
                return read_pixels(image)
    except PixelModeError as exc:
        raise ImageLoadError(f"{file}: {exc}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(f"{file}: refused as a possible decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{file}: {_unidentified(file)}") from None
    except _DECODE_ERRORS as exc:
        reason = _os_reason(file, exc) if isinstance(exc, OSError) else str(exc)
        raise ImageLoadError(f"{file}: cannot read the image: {reason}") from None


def _unidentified(file: Path) -> str:
    size = file.stat().st_size
    if size == 0:
        return "empty file (0 bytes)"
    return f"not an image Pillow can decode ({size} bytes; damaged, or another kind of file?)"


def _size(pixels: Pixels) -> str:
    width, height = pixels.size
    return f"{width}×{height} pixels"


def _stack(pixels: list[Pixels]) -> np.ndarray:
    """N × C × H × W float32 in [0, 1]: grey only if every image is, else RGB."""
    channels = max(p.channels for p in pixels)
    height, width = pixels[0].values.shape[:2]
    stacked = np.empty((len(pixels), channels, height, width), dtype=np.float32)
    for out, picture in zip(stacked, pixels, strict=True):
        out[...] = picture.unit().transpose(2, 0, 1)  # a grey image fills every channel
    return stacked


def _npz(path: Path) -> np.ndarray:
    array = _npz_images(path)
    if array.dtype != np.uint8 or array.ndim != 4:
        raise ImageLoadError(
            f"{path}: 'images' must be uint8 [N, C, H, W] or [N, H, W, C], "
            f"got {array.dtype} {array.shape}"
        )
    if 0 in array.shape:
        raise ImageLoadError(f"{path}: 'images' holds no pixels (shape {array.shape})")
    if array.shape[1] in (1, 3):
        return np.ascontiguousarray(array)
    if array.shape[3] in (1, 3):
        return np.ascontiguousarray(array.transpose(0, 3, 1, 2))
    raise ImageLoadError(f"{path}: no channel axis of size 1 or 3 in shape {array.shape}")


def _npz_images(path: Path) -> np.ndarray:
    """The ``images`` array of a ``.npz`` archive. Anything that is not a zip file (a
    ``.npy`` array, a pickle, an empty file) is refused before NumPy reads it, and
    pickled arrays inside one are refused by NumPy (``allow_pickle`` stays off)."""
    try:
        with path.open("rb") as stream:
            if stream.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
                raise ImageLoadError(f"{path}: not a .npz archive (a zip file, as np.savez writes)")
        with np.load(path) as stored:
            if "images" not in stored:
                keys = ", ".join(stored.files) or "none"
                raise ImageLoadError(f"{path}: no 'images' array (keys: {keys})")
            return stored["images"]
    except ImageLoadError:
        raise
    except _NPZ_ERRORS as exc:
        raise ImageLoadError(f"{path}: cannot read the .npz archive: {exc}") from None
