"""Reference datasets by name, per split: images in [0, 1], NCHW (digits), audio in [-1, 1],
(N, channels, samples) with a sample rate (spoken digits), video in [0, 1], (N, frames,
channels, H, W) with a frame rate (moving digits), or text (stdlib prose).

A dataset's ``output`` names what it holds and so which models a suite may compare on it
(see ``benchbench.outputs.base``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import torch

from benchbench.hashing import sha256_bytes
from benchbench.registry import Registry


@dataclass(frozen=True)
class ImageSet:
    """Images plus the identity that keys caches and signatures: name, split, content hash."""

    dataset: str
    split: str
    images: torch.Tensor

    @property
    def content_hash(self) -> str:
        return sha256_bytes(self.images.contiguous().numpy().tobytes())

    @property
    def identity(self) -> str:
        return f"{self.dataset}/{self.split}@{self.content_hash[:16]}"


@dataclass(frozen=True)
class AudioSet:
    """Waveforms float32 in [-1, 1], ``[N, channels, samples]``, at ``sample_rate`` Hz,
    with labels where the set has classes, and the identity that keys caches and
    signatures. The rate is part of the content: the same samples at another rate are
    other audio."""

    dataset: str
    split: str
    waveforms: torch.Tensor
    labels: torch.Tensor | None
    sample_rate: int

    @property
    def content_hash(self) -> str:
        rate = f"{self.sample_rate}Hz:".encode()
        return sha256_bytes(rate + self.waveforms.contiguous().numpy().tobytes())

    @property
    def identity(self) -> str:
        return f"{self.dataset}/{self.split}@{self.content_hash[:16]}"


@dataclass(frozen=True)
class VideoSet:
    """Videos float32 in [0, 1], ``[N, frames, channels, H, W]``, at ``frame_rate`` frames
    per second, with labels where the set has classes, and the identity that keys caches
    and signatures. The rate is part of the content: the same frames at another rate are
    other motion."""

    dataset: str
    split: str
    videos: torch.Tensor
    labels: torch.Tensor | None
    frame_rate: int

    @property
    def content_hash(self) -> str:
        rate = f"{self.frame_rate}fps:".encode()
        return sha256_bytes(rate + self.videos.contiguous().numpy().tobytes())

    @property
    def identity(self) -> str:
        return f"{self.dataset}/{self.split}@{self.content_hash[:16]}"


class Dataset(ABC):
    name: ClassVar[str]
    splits: ClassVar[tuple[str, ...]]
    output: ClassVar[str]

    @abstractmethod
    def load(self, split: str) -> object:
        """The split's content with its identity (``ImageSet``, ``AudioSet``, ``VideoSet``,
        ``Continuations``)."""


class ImageDataset(Dataset):
    output = "image"

    @abstractmethod
    def images(self, split: str) -> torch.Tensor:
        """All images of ``split``, float32 in [0, 1], NCHW, on the CPU."""

    def load(self, split: str) -> ImageSet:
        if split not in self.splits:
            raise ValueError(f"dataset {self.name!r} has no split {split!r}; splits: {self.splits}")
        return ImageSet(self.name, split, self.images(split))


class AudioDataset(Dataset):
    output = "audio"
    sample_rate: ClassVar[int]

    @abstractmethod
    def clips(self, split: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """All waveforms of ``split`` (float32 in [-1, 1], ``[N, channels, samples]``, on
        the CPU at ``sample_rate``) and their labels ``[N]`` int64, or None."""

    def load(self, split: str) -> AudioSet:
        if split not in self.splits:
            raise ValueError(f"dataset {self.name!r} has no split {split!r}; splits: {self.splits}")
        return AudioSet(self.name, split, *self.clips(split), self.sample_rate)


class VideoDataset(Dataset):
    output = "video"
    frame_rate: ClassVar[int]

    @abstractmethod
    def clips(self, split: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """All videos of ``split`` (float32 in [0, 1], ``[N, frames, channels, H, W]``, on
        the CPU at ``frame_rate``) and their labels ``[N]`` int64, or None."""

    def load(self, split: str) -> VideoSet:
        if split not in self.splits:
            raise ValueError(f"dataset {self.name!r} has no split {split!r}; splits: {self.splits}")
        return VideoSet(self.name, split, *self.clips(split), self.frame_rate)


class Digits(ImageDataset):
    """scikit-learn's handwritten digits at 16×16 (see ``benchbench.data.digits``)."""

    name = "digits"
    splits = ("train", "test", "all")

    def images(self, split: str) -> torch.Tensor:
        from benchbench.data.digits import load_digits

        return load_digits(split)[0]  # type: ignore[arg-type]


class SpokenDigits(AudioDataset):
    """Digits played as spectrograms by a harmonic synthesiser, 8 kHz, 0.512 s, mono: a
    synthetic proxy of SC09, not speech (see ``benchbench.data.spoken_digits``)."""

    name = "spoken-digits"
    splits = ("train", "test", "all")
    sample_rate = 8000

    def clips(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        from benchbench.data.spoken_digits import load_spoken_digits

        return load_spoken_digits(split)  # type: ignore[arg-type]


class MovingDigits(VideoDataset):
    """Digits moving with bounces on a 32×32 canvas, 16 frames at 8 fps: a synthetic
    stand-in for Moving MNIST, not natural video (see ``benchbench.data.moving_digits``).
    Its labels are the digits; the directions come from ``load_moving_digits``."""

    name = "moving-digits"
    splits = ("train", "test", "all")
    frame_rate = 8

    def clips(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        from benchbench.data.moving_digits import load_moving_digits

        videos, digits, _ = load_moving_digits(split)  # type: ignore[arg-type]
        return videos, digits


class Prose(Dataset):
    """The standard library's help-topic prose as a continuation task (``data.prose``)."""

    name = "prose"
    splits = ("train", "heldout")
    output = "text"

    def load(self, split: str):
        from benchbench.data.prose import continuations

        return continuations(split)  # type: ignore[arg-type]


DATASETS: Registry[type[Dataset]] = Registry(
    "dataset", base=Dataset, entry_point_group="benchbench.datasets"
)
DATASETS.register("digits", Digits)
DATASETS.register("moving-digits", MovingDigits)
DATASETS.register("prose", Prose)
DATASETS.register("spoken-digits", SpokenDigits)
