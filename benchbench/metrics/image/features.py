"""Feature extractors: the networks that image metrics compare samples in.

An extractor's identity is its name, version, weights sha256, input size and resize
rule; it enters every metric signature and every cache key, so features from two
different networks (or two preprocessing recipes) are never mixed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from benchbench.registry import Registry


class FeatureExtractor(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    input_size: ClassVar[int]
    channels: ClassVar[int]
    resize: ClassVar[str] = "bilinear-antialias"

    def __init__(self, device: torch.device):
        self.device = device

    @property
    @abstractmethod
    def weights_sha256(self) -> str: ...

    @property
    @abstractmethod
    def feature_dim(self) -> int: ...

    @abstractmethod
    def _features(self, images: torch.Tensor) -> torch.Tensor:
        """Features of preprocessed images ([N, channels, input_size, input_size] in [0, 1])."""

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
        images = images.to(self.device, torch.float32)
        if images.shape[1] != self.channels:
            if images.shape[1] == 1:
                images = images.expand(-1, self.channels, -1, -1)
            elif self.channels == 1:
                images = images.mean(dim=1, keepdim=True)
            else:
                raise ValueError(
                    f"{self.name} takes {self.channels} channels, got {images.shape[1]}"
                )
        if images.shape[-2:] != (self.input_size, self.input_size):
            images = F.interpolate(
                images,
                size=(self.input_size, self.input_size),
                mode="bilinear",
                align_corners=False,
                antialias=True,
            )
        return images

    @torch.inference_mode()
    def __call__(self, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """Features ``[N, feature_dim]`` (float32, on the CPU) of images in [0, 1], NCHW."""
        chunks = [
            self._features(self.preprocess(images[i : i + batch_size])).float().cpu()
            for i in range(0, len(images), batch_size)
        ]
        return torch.cat(chunks)


class DigitsCNNExtractor(FeatureExtractor):
    """Penultimate layer of the embedded digits classifier (zoo model ``digits-cnn``).

    Trained by this project on scikit-learn's digits; meaningful for digit-like images
    only. Metrics computed on it are named FD[digits-cnn], KD[digits-cnn], never FID/KID.
    """

    name = "digits-cnn"
    version = "1"
    input_size = 16
    channels = 1

    def __init__(self, device: torch.device):
        super().__init__(device)
        from benchbench.checkpoint import load_checkpoint
        from benchbench.hashing import sha256_file
        from benchbench.zoo import weights_path

        path = weights_path("digits-cnn")
        self._sha256 = sha256_file(path)
        self.net = load_checkpoint(path).build().to(device).eval()
        probe = torch.zeros(1, self.channels, self.input_size, self.input_size, device=device)
        with torch.inference_mode():
            self._feature_dim = int(self.net.features(probe).shape[1])

    @property
    def weights_sha256(self) -> str:
        return self._sha256

    @property
    def feature_dim(self) -> int:
        return self._feature_dim

    def _features(self, images: torch.Tensor) -> torch.Tensor:
        return self.net.features(images)


EXTRACTORS: Registry[type[FeatureExtractor]] = Registry(
    "feature extractor", base=FeatureExtractor, entry_point_group="benchbench.extractors"
)
EXTRACTORS.register("digits-cnn", DigitsCNNExtractor)
