"""Feature extractors: the networks that image metrics compare samples in.

An extractor's identity is its name, version, weights sha256, input size and resize
rule; it enters every metric signature and every cache key, so features from two
different networks (or two preprocessing recipes) are never mixed.

An extractor names its ``outputs``: always ``features`` (the metrics' embedding), and
``logits`` where it is a classifier (Inception Score). One forward pass gives both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F


class FeatureExtractor(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    input_size: ClassVar[int]
    channels: ClassVar[int]
    resize: ClassVar[str] = "bilinear-antialias"
    embeds: ClassVar[str] = "image"  # the output kind (``benchbench.outputs``) it embeds
    outputs: ClassVar[tuple[str, ...]] = ("features",)

    @classmethod
    def provides(cls) -> frozenset[str]:
        """The metric inputs it makes (``features``, ``logits``, ...): suite validation
        refuses a metric that takes one it does not make, before any cell samples."""
        return frozenset(cls.outputs)

    def __init__(self, device: torch.device, weights_dir: Path | None = None):
        self.device = device
        self.weights_dir = weights_dir

    @property
    @abstractmethod
    def weights_sha256(self) -> str: ...

    @property
    @abstractmethod
    def feature_dim(self) -> int: ...

    @abstractmethod
    def _extract(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each of ``outputs`` for a batch of preprocessed images."""

    def identity(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "weights_sha256": self.weights_sha256,
            "input_size": self.input_size,
            "resize": self.resize,
        }

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """Match channels (grey ↔ RGB) and size; pixel values stay in [0, 1]."""
        images = self.match_channels(images.to(self.device, torch.float32))
        return resize_images(images, (self.input_size, self.input_size))

    def match_channels(self, images: torch.Tensor) -> torch.Tensor:
        """NCHW images with the extractor's channels: grey is repeated, RGB averaged."""
        if images.shape[1] == self.channels:
            return images
        if images.shape[1] == 1:
            return images.expand(-1, self.channels, -1, -1)
        if self.channels == 1:
            return images.mean(dim=1, keepdim=True)
        raise ValueError(f"{self.name} takes {self.channels} channels, got {images.shape[1]}")

    @torch.inference_mode()
    def extract(self, images: torch.Tensor, batch_size: int = 256) -> dict[str, torch.Tensor]:
        """Every output (float32, on the CPU, one row per image) of images in [0, 1], NCHW."""
        chunks = [
            self._extract(self.preprocess(images[i : i + batch_size]))
            for i in range(0, len(images), batch_size)
        ]
        return {key: torch.cat([c[key].float().cpu() for c in chunks]) for key in self.outputs}

    def __call__(self, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """Features ``[N, feature_dim]`` (float32, on the CPU) of images in [0, 1], NCHW."""
        return self.extract(images, batch_size)["features"]


def resize_images(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """NCHW images at ``size`` (H, W) by the ``bilinear-antialias`` rule, unchanged if there."""
    if images.shape[-2:] == size:
        return images
    return F.interpolate(images, size=size, mode="bilinear", align_corners=False, antialias=True)
