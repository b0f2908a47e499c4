"""Audio from and to disk: WAV files through ``scipy.io.wavfile``, and resampling.

Every sample format reads to float32 in [-1, 1] at its own full scale: 8-bit unsigned
as ``(x - 128) / 128``, 16-bit as ``x / 32768``, 24- and 32-bit integers as
``x / 2**31`` (scipy widens 24-bit data to the top bits of an int32), float files as
they are (they must already lie in [-1, 1]). Writing 16-bit rounds ``x * 32768`` and
clips it to the int16 range, so a 16-bit file and a float32 file of the same audio read
back within 1/32768 of each other. A multi-channel file is mixed down to mono by the
mean of its channels, because every extractor here embeds mono audio.

``read_wav_folder`` reads a folder's ``.wav`` files in sorted name order, one open file
at a time; they must share one sample rate and one length. A file that is empty, cut
short or not a WAV file is an error naming it.
"""

from __future__ import annotations

import math
import struct
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from scipy.io import wavfile
from scipy.signal import resample_poly

from benchbench.data import AudioSet
from benchbench.data.folders import _os_reason

RESAMPLER = "resample_poly"
WAV_SUFFIX = ".wav"
# Rates whose ratio reduces to more than this up- or down-factor would need a polyphase
# filter of hundreds of thousands of taps: refused rather than left to run for minutes.
MAX_RESAMPLE_FACTOR = 1000
# What scipy raises on a damaged or foreign file besides ValueError (bad header).
_READ_ERRORS = (ValueError, EOFError, struct.error, IndexError)


class AudioLoadError(ValueError):
    """A path that does not hold usable audio; the message names it and says why."""


def read_wav(path: str | Path) -> tuple[torch.Tensor, int]:
    """One file's mono waveform ``[1, samples]`` float32 in [-1, 1] and its sample rate."""
    path = Path(path)
    if path.is_dir():
        raise AudioLoadError(f"{path}: a folder, not a WAV file")
    if path.exists() and not path.is_file():
        raise AudioLoadError(f"{path}: not a regular file (a pipe or a device?)")
    try:
        with warnings.catch_warnings():  # scipy only warns, and returns what it could read
            warnings.filterwarnings("error", "Reached EOF prematurely", wavfile.WavFileWarning)
            rate, data = wavfile.read(path, mmap=False)
    except wavfile.WavFileWarning as exc:
        raise AudioLoadError(f"{path}: the file is cut short: {exc}") from None
    except OSError as exc:
        raise AudioLoadError(f"{path}: cannot read the file: {_os_reason(path, exc)}") from None
    except _READ_ERRORS as exc:
        raise AudioLoadError(f"{path}: {_unreadable(path, exc)}") from None
    return torch.from_numpy(_to_mono(_to_unit(path, data))).unsqueeze(0), int(rate)


def write_wav(path: str | Path, waveform: torch.Tensor, sample_rate: int, dtype: str = "int16"):
    """Write ``waveform`` ``[channels, samples]`` (float in [-1, 1]) as a 16-bit PCM
    (``dtype="int16"``) or 32-bit float (``"float32"``) WAV file."""
    data = waveform.detach().cpu().to(torch.float32).numpy().T  # scipy wants [samples, channels]
    if dtype == "int16":
        data = np.clip(np.round(data * 32768.0), -32768, 32767).astype(np.int16)
    elif dtype != "float32":
        raise ValueError(f"write_wav writes int16 or float32 samples, not {dtype!r}")
    wavfile.write(Path(path), _positive_rate(sample_rate, "sample rate"), data)


def read_wav_folder(path: str | Path, warn: Callable[[str], None] | None = None) -> AudioSet:
    """The folder's WAV files as mono waveforms ``[N, 1, samples]``, all of one rate and
    length, with a content-hash identity; ``warn`` names the entries skipped as not WAV."""
    path = Path(path)
    files = _wav_files(path, warn or (lambda _: None))
    first, rate = read_wav(files[0])
    waveforms = [first]
    for file in files[1:]:
        waveform, file_rate = read_wav(file)
        if file_rate != rate:
            raise AudioLoadError(
                f"{file}: {file_rate} Hz, but {files[0].name} is {rate} Hz; every file of "
                f"a folder must share one sample rate (resample them first)"
            )
        if waveform.shape[-1] != first.shape[-1]:
            raise AudioLoadError(
                f"{file}: {waveform.shape[-1]} samples, but {files[0].name} has "
                f"{first.shape[-1]}; every file of a folder must share one length"
            )
        waveforms.append(waveform)
    return AudioSet(path.name, "files", torch.stack(waveforms), None, rate)


def resample(waveforms: torch.Tensor, from_rate: int, to_rate: int) -> torch.Tensor:
    """``waveforms`` (time on the last axis) from ``from_rate`` to ``to_rate`` Hz with
    ``scipy.signal.resample_poly`` (its default Kaiser-windowed FIR), float32 on the CPU."""
    from_rate = _positive_rate(from_rate, "source sample rate")
    to_rate = _positive_rate(to_rate, "target sample rate")
    if from_rate == to_rate:
        return waveforms.detach().cpu().to(torch.float32)
    common = math.gcd(from_rate, to_rate)
    up, down = to_rate // common, from_rate // common
    if max(up, down) > MAX_RESAMPLE_FACTOR:
        raise ValueError(
            f"cannot resample {from_rate} Hz to {to_rate} Hz: the ratio reduces to "
            f"{up}/{down}, beyond the {MAX_RESAMPLE_FACTOR} a polyphase filter handles here"
        )
    data = waveforms.detach().cpu().to(torch.float64).numpy()
    return torch.from_numpy(resample_poly(data, up, down, axis=-1).astype(np.float32))


def _positive_rate(rate: object, what: str) -> int:
    """``rate`` as an int, or a ValueError saying why it is not a sample rate."""
    if isinstance(rate, bool) or not isinstance(rate, int | np.integer) or rate <= 0:
        raise ValueError(f"{what} must be a positive whole number of Hz, got {rate!r}")
    return int(rate)


def _to_unit(path: Path, data: np.ndarray) -> np.ndarray:
    """Samples as float32 in [-1, 1] at the full scale of their format."""
    if data.size == 0:
        raise AudioLoadError(f"{path}: the WAV file holds no samples")
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    if data.dtype in (np.int16, np.int32):
        return (data.astype(np.float64) / -float(np.iinfo(data.dtype).min)).astype(np.float32)
    if data.dtype in (np.float32, np.float64):
        if not np.isfinite(data).all():
            raise AudioLoadError(f"{path}: the float samples include NaN or infinity")
        peak = float(np.abs(data).max())
        if peak > 1.0:
            raise AudioLoadError(
                f"{path}: float samples must lie in [-1, 1], but one reaches {peak:.4g}"
            )
        return data.astype(np.float32)
    raise AudioLoadError(f"{path}: unsupported WAV sample format {data.dtype}")


def _to_mono(data: np.ndarray) -> np.ndarray:
    """``[samples]`` from ``[samples]`` or ``[samples, channels]`` (the channels' mean)."""
    return data if data.ndim == 1 else data.mean(axis=1, dtype=np.float64).astype(np.float32)


def _wav_files(path: Path, warn: Callable[[str], None]) -> list[Path]:
    """The folder's ``.wav`` files in name order; ``warn`` names what else it holds."""
    if not path.is_dir():
        reason = "does not exist" if not path.exists() else "not a folder"
        raise AudioLoadError(f"{path}: {reason}; expected a folder of {WAV_SUFFIX} files")
    try:
        entries = sorted(path.iterdir())
    except OSError as exc:
        raise AudioLoadError(f"{path}: cannot list the folder: {_os_reason(path, exc)}") from None
    files = [e for e in entries if e.suffix.lower() == WAV_SUFFIX]
    others = [e.name for e in entries if e.suffix.lower() != WAV_SUFFIX]
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        warn(f"{path}: skipped what is not a {WAV_SUFFIX} file ({len(others)}): {shown}")
    if not files:
        raise AudioLoadError(f"{path}: no {WAV_SUFFIX} files")
    return files


def _unreadable(path: Path, exc: Exception) -> str:
    """Why scipy could not read ``path``, in words a user can act on."""
    size = path.stat().st_size
    if size == 0:
        return "empty file (0 bytes)"
    return f"not a WAV file scipy can read ({size} bytes; damaged, or another format?): {exc}"
