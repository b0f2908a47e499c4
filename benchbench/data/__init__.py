"""Reference datasets by name: images in [0, 1], NCHW (digits) or text (stdlib prose), per split.

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


class Dataset(ABC):
    name: ClassVar[str]
    splits: ClassVar[tuple[str, ...]]
    output: ClassVar[str]

    @abstractmethod
    def load(self, split: str) -> object:
        """The split's content with its identity (``ImageSet``, ``Continuations``)."""


class ImageDataset(Dataset):
    output = "image"

    @abstractmethod
    def images(self, split: str) -> torch.Tensor:
        """All images of ``split``, float32 in [0, 1], NCHW, on the CPU."""

    def load(self, split: str) -> ImageSet:
        if split not in self.splits:
            raise ValueError(f"dataset {self.name!r} has no split {split!r}; splits: {self.splits}")
        return ImageSet(self.name, split, self.images(split))


class Digits(ImageDataset):
    """scikit-learn's handwritten digits at 16×16 (see ``benchbench.data.digits``)."""

    name = "digits"
    splits = ("train", "test", "all")

    def images(self, split: str) -> torch.Tensor:
        from benchbench.data.digits import load_digits

        return load_digits(split)[0]  # type: ignore[arg-type]


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
DATASETS.register("prose", Prose)
