"""The literature's audio embedding networks, from local weight files only: VGGish (the
Fréchet Audio Distance as Kilgour et al. 2019 define it) and PANNs CNN14 (Kong et al. 2020).

Each finds its file like the image extractors (``weights_files.find_weights``: a missing file
names every place searched and ``bench weights fetch``), refuses a file whose sha256 is not
the published one, and refuses another network's tensors with the file named. Clips at
another sample rate are resampled by the base class with its named resampler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from benchbench.extractors.audio import AudioFeatureExtractor
from benchbench.extractors.pretrained import PretrainedNetwork
from benchbench.extractors.real import load_state_dict_safely
from benchbench.extractors.weights_files import WeightsFile, WrongWeightsError
from benchbench.nets.audio import panns, vggish


class PretrainedAudioExtractor(PretrainedNetwork, AudioFeatureExtractor):
    """A published audio network whose weights are one local file with a published name."""

    version = "1"
    embedding_size: ClassVar[int]

    @property
    def feature_dim(self) -> int:
        return self.embedding_size


class VGGishExtractor(PretrainedAudioExtractor):
    """VGGish's 128-d pre-activation embedding (no PCA, no quantisation) of each 0.96 s
    patch; a clip's features are the mean over its whole patches (one patch for clips
    shorter than 1.935 s, exactly Kilgour et al.'s frame embedding)."""

    name = "vggish"
    sample_rate = vggish.SAMPLE_RATE
    window_samples = vggish.PATCH_SAMPLES
    embedding_size = vggish.EMBEDDING_SIZE
    weights_file = WeightsFile(
        "vggish-10086976.pth",
        "https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish-10086976.pth",
        "10086976",
    )

    def _network(self) -> nn.Module:
        return vggish.VGGish()

    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "pooling": "mean over 0.96 s patches"}

    def _extract(self, waveforms: torch.Tensor) -> dict[str, torch.Tensor]:
        patches = vggish.log_mel_patches(waveforms[:, 0])  # the base mixed down to mono
        count, per_clip = patches.shape[:2]
        embeddings = self.net(patches.flatten(0, 1)[:, None].float())
        return {"features": embeddings.view(count, per_clip, -1).mean(dim=1)}


class PANNsCNN14(PretrainedAudioExtractor):
    """CNN14's 2048-d clip embedding (the input of its AudioSet head)."""

    name = "panns-cnn14"
    sample_rate = panns.SAMPLE_RATE
    window_samples = panns.MIN_SAMPLES
    embedding_size = panns.EMBEDDING_SIZE
    weights_file = WeightsFile(
        "Cnn14_mAP=0.431.pth",
        "https://zenodo.org/record/3987831/files/Cnn14_mAP%3D0.431.pth?download=1",
    )

    def _network(self) -> nn.Module:
        return panns.Cnn14()

    def _state_dict(self, path: Path) -> Any:
        """The released file is a dict with the state dict under ``"model"``."""
        checkpoint = load_state_dict_safely(path)
        if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("model"), dict):
            raise WrongWeightsError(
                f"{self.name}: {path} is not a PANNs checkpoint (a dict whose 'model' entry is "
                f"the state dict)"
            )
        return checkpoint["model"]

    def _extract(self, waveforms: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"features": self.net(waveforms[:, 0])}  # the base mixed down to mono
