"""Videos from and to disk: animated GIFs, folders of PNG frames, and NumPy arrays.

``read_videos(path, frame_rate)`` reads a folder whose entries, in natural name order
(``clip2`` before ``clip10``), are videos:

- a ``.gif`` file: one video. Its frames' durations must fit ``frame_rate``: GIF stores
  them in 10 ms ticks, and writers (Pillow among them) merge identical consecutive
  frames into one longer frame, so a frame lasting ``k`` frame periods (within a tick)
  counts ``k`` times; a duration that is no whole number of periods means another
  rate, and is an error. A GIF without durations is read one frame per period. Pillow
  hands out GIF frames after the first as RGB, so a GIF whose every pixel is grey
  (R = G = B) reads as one channel.
- a sub-folder of ``.png`` files: one video, a frame per file, read at the scale of
  its mode (``benchbench.data.pixels``: 16-bit PNGs too).
- a ``.npy`` file: one video ``[frames, C, H, W]`` or a batch ``[N, frames, C, H, W]``;
  a ``.npz`` file: a batch under the key ``videos``. The channel axis (size 1 or 3)
  may also come last. ``uint8`` values are divided by 255; float values must already
  lie in [0, 1] and be finite. Arrays are read from their header first, so one larger
  than ``MAX_VALUES`` (or a zip member claiming to be) is refused before it is read.

``path`` may also be one such file. Every video must have the same number of frames
and the same frame size; a set is grey only if every video is. Other folder entries
are skipped and named through ``warn``. Anything unreadable (truncated, undecodable,
empty, a decompression bomb, a pickle) is a ``VideoLoadError`` naming the file.

``write_gif`` writes a video as an animated GIF through Pillow (no FFmpeg): 8-bit
grey, or colour quantised by Pillow to a 256-colour palette.
"""

from __future__ import annotations

import math
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import torch
from PIL import Image, ImageSequence, UnidentifiedImageError

from benchbench.data import VideoSet
from benchbench.data.folders import _os_reason
from benchbench.data.pixels import PixelModeError, Pixels, read_pixels

GIF_SUFFIX, PNG_SUFFIX = ".gif", ".png"
ARRAY_SUFFIXES = (".npy", ".npz")
NPZ_KEY = "videos"
GIF_TICK_MS = 10  # GIF frame durations are whole hundredths of a second
MAX_VALUES = 2**28  # float32 values in one set (1 GiB); larger arrays are refused unread
# What Pillow's decoders raise on a damaged file, besides OSError (truncated data).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
# What reading a damaged archive raises: a cut zip, a bad CRC or stream.
_ZIP_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error)

Warn = Callable[[str], None]
T = TypeVar("T")


class VideoLoadError(ValueError):
    """A path that does not hold usable videos; the message names the file and says why."""


def read_videos(path: str | Path, frame_rate: int, warn: Warn | None = None) -> VideoSet:
    """The videos in ``path`` as float32 in [0, 1], ``[N, frames, channels, H, W]`` at
    ``frame_rate``, with a content-hash identity; ``warn`` names skipped entries."""
    path = Path(path)
    frame_rate = _positive_rate(frame_rate)
    warn = warn or (lambda _: None)
    sources = _entries(path, warn) if path.is_dir() else [path]
    videos: list[tuple[Path, np.ndarray]] = []
    total = 0
    for source in sources:
        for video in _read_entry(source, frame_rate, warn):
            total += video.size
            if total > MAX_VALUES:
                raise VideoLoadError(
                    f"{source}: the set grows past {MAX_VALUES:,} values; score fewer or "
                    f"smaller videos"
                )
            videos.append((source, video))
    return VideoSet(path.name, "files", torch.from_numpy(_stack(videos)), None, frame_rate)


def write_gif(path: str | Path, video: torch.Tensor, frame_rate: int) -> None:
    """Write ``video`` ``[frames, channels, H, W]`` (float in [0, 1], 1 or 3 channels) as
    an animated GIF at ``frame_rate``, looping; values are rounded to 8 bits."""
    if video.ndim != 4 or video.shape[1] not in (1, 3) or 0 in video.shape:
        raise ValueError(
            f"write_gif takes a video [frames, 1 or 3, H, W] of at least one frame, got "
            f"{tuple(video.shape)}"
        )
    frames = (video.detach().cpu().float().clamp(0, 1) * 255).round().to(torch.uint8)
    images = [_frame_image(frame.permute(1, 2, 0).numpy()) for frame in frames]
    period = round(1000 / _positive_rate(frame_rate))
    images[0].save(Path(path), save_all=True, append_images=images[1:], duration=period, loop=0)


def _frame_image(pixels: np.ndarray) -> Image.Image:
    """A Pillow image of ``[H, W, 1 or 3]`` uint8 pixels: ``L`` or ``RGB``."""
    if pixels.shape[2] == 1:
        return Image.fromarray(np.ascontiguousarray(pixels[:, :, 0]), "L")
    return Image.fromarray(np.ascontiguousarray(pixels), "RGB")


def _positive_rate(rate: object) -> int:
    if isinstance(rate, bool) or not isinstance(rate, int | np.integer) or rate <= 0:
        raise ValueError(f"a frame rate is a positive whole number of frames/s, got {rate!r}")
    return int(rate)


def _natural_key(path: Path) -> list[object]:
    """Sort key reading digit runs as numbers: ``frame2`` before ``frame10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _listing(path: Path) -> list[Path]:
    try:
        return sorted(path.iterdir(), key=_natural_key)
    except OSError as exc:
        raise VideoLoadError(f"{path}: cannot list the folder: {_os_reason(path, exc)}") from None


def _entries(path: Path, warn: Warn) -> list[Path]:
    """The folder's videos (GIF and array files, sub-folders); ``warn`` names the rest."""
    entries = _listing(path)
    videos = [e for e in entries if e.is_dir() or e.suffix.lower() in (GIF_SUFFIX, *ARRAY_SUFFIXES)]
    _skipped(
        path,
        [e for e in entries if e not in videos],
        "a .gif/.npy/.npz file or a folder of .png frames",
        warn,
    )
    if not videos:
        raise VideoLoadError(
            f"{path}: no videos (.gif, .npy or .npz files, or folders of .png frames)"
        )
    return videos


def _skipped(path: Path, others: list[Path], kinds: str, warn: Warn) -> None:
    if others:
        shown = ", ".join(e.name for e in others[:5]) + (", ..." if len(others) > 5 else "")
        warn(f"{path}: skipped what is not {kinds} ({len(others)}): {shown}")


def _read_entry(path: Path, frame_rate: int, warn: Warn) -> list[np.ndarray]:
    """The videos ``[frames, C, H, W]`` float32 in [0, 1] that one entry holds."""
    if path.is_dir():
        return [_png_folder(path, warn)]
    if not path.exists():
        raise VideoLoadError(f"{path}: {_missing(path)}")
    if not path.is_file():
        raise VideoLoadError(f"{path}: not a regular file (a pipe or a device?)")
    suffix = path.suffix.lower()
    if suffix == GIF_SUFFIX:
        return [_gif(path, frame_rate)]
    if suffix in ARRAY_SUFFIXES:
        return list(_array_videos(path))
    raise VideoLoadError(f"{path}: neither a .gif, .npy or .npz file nor a folder of .png frames")


def _missing(path: Path) -> str:
    try:
        path.stat()
    except OSError as exc:
        return _os_reason(path, exc)
    return "does not exist"


def _png_folder(path: Path, warn: Warn) -> np.ndarray:
    """One video from a folder of ``.png`` frames, in natural name order."""
    entries = _listing(path)
    files = [e for e in entries if e.suffix.lower() == PNG_SUFFIX]
    _skipped(path, [e for e in entries if e not in files], "a .png frame", warn)
    if not files:
        raise VideoLoadError(f"{path}: a folder without .png frames")
    frames, values = [], 0
    for file in files:
        frames.append(_open(file, _still))
        values = _within_budget(path, values + frames[-1].values.size)
    return _frames_to_video(files, frames)


def _gif(path: Path, frame_rate: int) -> np.ndarray:
    """One video from an animated GIF: merged frames repeated, all-grey read as grey."""
    frames = _open(path, _animation)
    repeats = _repeats(path, [duration for _, duration in frames], frame_rate)
    video = _frames_to_video([path] * len(frames), [pixels for pixels, _ in frames])
    if video.shape[1] == 3 and (video == video[:, :1]).all():
        video = video[:, :1]
    _within_budget(path, sum(repeats) * video[0].size)
    return np.repeat(video, repeats, axis=0)


def _repeats(path: Path, durations: list[int | None], frame_rate: int) -> list[int]:
    """How many frame periods each GIF frame lasts (1 where it states no duration). A
    duration that is no whole number of periods, or frames that all last a multiple of
    the same ``k`` > 1 periods (a writer merges identical frames, not all of them), mean
    the GIF was made at another rate."""
    period = 1000 / frame_rate
    repeats = []
    for index, duration in enumerate(durations):
        count = max(1, round(duration / period)) if duration else 1
        if duration and abs(duration - count * period) > GIF_TICK_MS:
            raise VideoLoadError(
                f"{path}: frame {index} lasts {duration} ms, not a whole number of "
                f"{period:.4g} ms frames at {frame_rate} fps; the GIF has another frame rate "
                f"(about {1000 / duration:.3g} fps)"
            )
        repeats.append(count)
    common = math.gcd(*repeats)
    if len(repeats) > 1 and common > 1:
        raise VideoLoadError(
            f"{path}: every frame lasts a multiple of {common} frame periods at {frame_rate} "
            f"fps ({common * period:.4g} ms); the GIF has another frame rate (about "
            f"{frame_rate / common:.3g} fps)"
        )
    return repeats


def _still(image: Image.Image) -> Pixels:
    image.load()
    return read_pixels(image)


def _animation(image: Image.Image) -> list[tuple[Pixels, int | None]]:
    """Every frame's pixels and duration (ms), refused past ``MAX_VALUES`` values."""
    frames, values = [], 0
    for frame in ImageSequence.Iterator(image):
        pixels = read_pixels(frame)
        values = _within_budget(Path(str(image.filename)), values + pixels.values.size)
        frames.append((pixels, frame.info.get("duration")))
    return frames


def _within_budget(path: Path, values: int) -> int:
    """``values`` if one video's frames stay within ``MAX_VALUES``, else an error: a
    folder of many frames or a GIF of many is refused before it fills the memory."""
    if values > MAX_VALUES:
        raise VideoLoadError(f"{path}: a video of more than {MAX_VALUES:,} values; refused")
    return values


def _open(file: Path, read: Callable[[Image.Image], T]) -> T:
    """``read`` of the opened image. The file is closed before this returns, and
    Pillow's decompression-bomb warning is an error like its bomb error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                return read(image)
    except PixelModeError as exc:
        raise VideoLoadError(f"{file}: {exc}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise VideoLoadError(f"{file}: refused as a possible decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise VideoLoadError(f"{file}: {_unidentified(file)}") from None
    except _DECODE_ERRORS as exc:
        if isinstance(exc, VideoLoadError):
            raise
        reason = _os_reason(file, exc) if isinstance(exc, OSError) else str(exc)
        raise VideoLoadError(f"{file}: cannot read the image: {reason}") from None


def _unidentified(file: Path) -> str:
    size = file.stat().st_size
    if size == 0:
        return "empty file (0 bytes)"
    return f"not an image Pillow can decode ({size} bytes; damaged, or another kind of file?)"


def _frames_to_video(files: list[Path], frames: list[Pixels]) -> np.ndarray:
    """``[frames, C, H, W]`` float32 in [0, 1]; grey only if every frame is."""
    first = frames[0]
    for file, frame in zip(files, frames, strict=True):
        if frame.size != first.size:
            raise VideoLoadError(
                f"{file}: frames of {_size(frame.size)} and {_size(first.size)}; every frame "
                f"of a video must share one size"
            )
    channels = max(f.channels for f in frames)
    video = np.empty((len(frames), channels, *first.values.shape[:2]), dtype=np.float32)
    for out, frame in zip(video, frames, strict=True):
        out[...] = frame.unit().transpose(2, 0, 1)  # a grey frame fills every channel
    return video


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]} pixels"


def _array_videos(path: Path) -> list[np.ndarray]:
    """The videos of a ``.npy`` file (one, or a batch) or of a ``.npz`` archive's
    ``videos`` array (a batch), as float32 in [0, 1]."""
    batch = _read_npy(path) if path.suffix.lower() == ".npy" else _read_npz(path)
    if path.suffix.lower() == ".npy" and batch.ndim == 4:
        batch = batch[None]
    if batch.ndim != 5 or 0 in batch.shape:
        raise VideoLoadError(
            f"{path}: expected a video [frames, C, H, W] or videos [N, frames, C, H, W] "
            f"(channels first or last), got shape {batch.shape}"
        )
    return list(_unit(path, _channels_first(path, batch)))


def _read_npy(path: Path) -> np.ndarray:
    try:
        with path.open("rb") as stream:
            return _read_array(path, stream)
    except OSError as exc:
        raise VideoLoadError(f"{path}: cannot read the file: {_os_reason(path, exc)}") from None


def _read_npz(path: Path) -> np.ndarray:
    """The ``videos`` member of a ``.npz`` archive; only that member is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if f"{NPZ_KEY}.npy" not in names:
                keys = ", ".join(name.removesuffix(".npy") for name in names) or "none"
                raise VideoLoadError(f"{path}: no '{NPZ_KEY}' array (keys: {keys})")
            with archive.open(f"{NPZ_KEY}.npy") as stream:
                return _read_array(path, stream)
    except _ZIP_ERRORS as exc:
        raise VideoLoadError(f"{path}: cannot read the .npz archive: {exc}") from None


def _read_array(path: Path, stream: BinaryIO) -> np.ndarray:
    """A ``.npy`` stream's array: the header first (dtype, shape, checked against
    ``MAX_VALUES``), then exactly its data bytes; object arrays (pickles) are refused."""
    try:
        version = np.lib.format.read_magic(stream)
        read_header = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }.get(version)
        if read_header is None:
            raise ValueError(f".npy format version {version} is not read here (1.0 or 2.0)")
        shape, fortran, dtype = read_header(stream)
    except ValueError as exc:
        raise VideoLoadError(f"{path}: not a NumPy array ({exc})") from None
    if dtype.hasobject:
        raise VideoLoadError(f"{path}: an array of Python objects (a pickle); refused unread")
    if dtype != np.uint8 and dtype.kind != "f":
        raise VideoLoadError(
            f"{path}: {dtype} values; videos are uint8 (0..255) or float in [0, 1]"
        )
    count = math.prod(shape)
    if count > MAX_VALUES:
        raise VideoLoadError(
            f"{path}: an array of shape {shape} ({count:,} values) is over the "
            f"{MAX_VALUES:,} read here; refused unread"
        )
    data = stream.read(count * dtype.itemsize)
    if len(data) < count * dtype.itemsize:
        raise VideoLoadError(
            f"{path}: cut short: {len(data):,} of the {count * dtype.itemsize:,} data bytes "
            f"its header announces"
        )
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")


def _channels_first(path: Path, batch: np.ndarray) -> np.ndarray:
    """``[N, frames, C, H, W]`` from channels first or last (the axis of size 1 or 3)."""
    if batch.shape[2] in (1, 3):
        return batch
    if batch.shape[4] in (1, 3):
        return batch.transpose(0, 1, 4, 2, 3)
    raise VideoLoadError(f"{path}: no channel axis of size 1 or 3 in shape {batch.shape}")


def _unit(path: Path, batch: np.ndarray) -> np.ndarray:
    """float32 in [0, 1]: uint8 divided by 255, float checked (finite, within [0, 1])."""
    if batch.dtype == np.uint8:
        return batch.astype(np.float32) / np.float32(255)
    if not np.isfinite(batch).all():
        raise VideoLoadError(f"{path}: the float values include NaN or infinity")
    low, high = float(batch.min()), float(batch.max())
    if low < 0.0 or high > 1.0:
        raise VideoLoadError(
            f"{path}: float values in [{low:.4g}, {high:.4g}]; float videos must lie in "
            f"[0, 1] (store 0..255 as uint8, map [-1, 1] with (x + 1) / 2)"
        )
    return batch.astype(np.float32)


def _stack(videos: list[tuple[Path, np.ndarray]]) -> np.ndarray:
    """``[N, frames, C, H, W]``: one length and frame size, grey only if every video is."""
    first_path, first = videos[0]
    for path, video in videos[1:]:
        if video.shape[0] != first.shape[0]:
            raise VideoLoadError(
                f"{path}: {video.shape[0]} frames, but {first_path.name} has {first.shape[0]}; "
                f"every video must have the same number of frames"
            )
        if video.shape[2:] != first.shape[2:]:
            raise VideoLoadError(
                f"{path}: frames of {_size(video.shape[:1:-1])}, but {first_path.name} has "
                f"{_size(first.shape[:1:-1])}; every video must share one frame size"
            )
    channels = max(video.shape[1] for _, video in videos)
    stacked = np.empty((len(videos), first.shape[0], channels, *first.shape[2:]), np.float32)
    for out, (_, video) in zip(stacked, videos, strict=True):
        out[...] = video  # a grey video fills every channel
    return stacked
