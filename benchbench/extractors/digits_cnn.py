"""The embedded feature extractor: the digits classifier this project trains itself."""

from __future__ import annotations

from pathlib import Path

import torch

from benchbench.extractors.base import FeatureExtractor
from benchbench.hashing import sha256_file
from benchbench.nets.checkpoint import load_checkpoint
from benchbench.zoo import weights_path


class DigitsCNNExtractor(FeatureExtractor):
    """Penultimate layer of the embedded digits classifier (zoo model ``digits-cnn``).

    Trained by this project on scikit-learn's digits; meaningful for digit-like images
    only. Metrics computed on it are named FD[digits-cnn], KD[digits-cnn], never FID/KID.
    """

    name = "digits-cnn"
    version = "1"
    input_size = 16
    channels = 1
    outputs = ("features", "logits")

    def __init__(self, device: torch.device, weights_dir: Path | None = None):
        super().__init__(device, weights_dir)
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

    def _extract(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.net.features(images)
        return {"features": features, "logits": self.net.classify(features)}
