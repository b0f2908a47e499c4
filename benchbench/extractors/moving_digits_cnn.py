"""The embedded video feature extractor: the moving-digits classifier this project trains."""

from __future__ import annotations

from pathlib import Path

import torch

from benchbench.data.moving_digits import FRAME_RATE, FRAMES, SIZE
from benchbench.extractors.video import VideoFeatureExtractor
from benchbench.hashing import sha256_file
from benchbench.nets.checkpoint import load_checkpoint
from benchbench.zoo import weights_path


class MovingDigitsCNNExtractor(VideoFeatureExtractor):
    """Clip vector of the moving-digits classifier (zoo model ``moving-digits-cnn``), and
    its frame vector for per-frame metrics.

    Trained by this project on the synthetic ``moving-digits`` clips (16 frames of
    32×32 at 8 fps) to tell the digit and the direction; meaningful for that world only.
    Metrics computed on it are named FD[moving-digits-cnn], FD-frames[moving-digits-cnn],
    never FVD (which means I3D on Kinetics-400).
    """

    name = "moving-digits-cnn"
    version = "1"
    clip_frames = FRAMES
    frame_rate = FRAME_RATE
    size = (SIZE, SIZE)
    channels = 1
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

    def _extract(self, videos: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.net.features(videos)
        return {"features": features, "logits": self.net.classify(features)}

    def _extract_frames(self, frames: torch.Tensor) -> torch.Tensor:
        return self.net.frame_features(frames)
