"""The embedded audio feature extractor: the spoken-digits classifier this project trains."""

from __future__ import annotations

from pathlib import Path

import torch

from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE
from benchbench.extractors.audio import AudioFeatureExtractor
from benchbench.hashing import sha256_file
from benchbench.nets.checkpoint import load_checkpoint
from benchbench.zoo import weights_path


class SpokenDigitsCNNExtractor(AudioFeatureExtractor):
    """Penultimate layer of the spoken-digits classifier (zoo model ``spoken-digits-cnn``).

    Trained by this project on the synthetic ``spoken-digits`` clips (8 kHz, 4,096
    samples); meaningful for that world only. Metrics computed on it are named
    FD[spoken-digits-cnn], KAD[spoken-digits-cnn], never FAD (which means VGGish).
    """

    name = "spoken-digits-cnn"
    version = "1"
    sample_rate = SAMPLE_RATE
    window_samples = CLIP_SAMPLES
    outputs = ("features", "logits")

    def __init__(self, device: torch.device, weights_dir: Path | None = None):
        super().__init__(device, weights_dir)
        path = weights_path(self.name)
        self._sha256 = sha256_file(path)
        self.net = load_checkpoint(path).build().to(device).eval()

    @property
    def weights_sha256(self) -> str:
        return self._sha256

    @property
    def feature_dim(self) -> int:
        return int(self.net.feature_dim)

    def _extract(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.net.features(images)
        return {"features": features, "logits": self.net.classify(features)}
