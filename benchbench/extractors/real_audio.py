"""The literature's audio embedding networks, from local weight files only: VGGish (the
Fréchet Audio Distance as Kilgour et al. 2019 define it) and PANNs CNN14 (Kong et al. 2020).

Each finds its file like the image extractors (``weights_files.find_weights``: a missing file
names every place searched and ``bench weights fetch``), refuses a file whose sha256 is not
the published one, and refuses another network's tensors with the file named. Clips at
another sample rate are resampled by the base class with its named resampler.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from benchbench.extractors.audio import AudioFeatureExtractor
from benchbench.extractors.real import load_state_dict_safely
from benchbench.extractors.weights_files import (
    WeightsFile,
    WrongWeightsError,
    checked_sha256,
    find_weights,
)
from benchbench.nets.audio import panns, vggish


def _listed(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def load_checkpoint(extractor: str, net: nn.Module, path: Path, state: Any) -> nn.Module:
    """``net`` holding the tensors of ``path``; anything but exactly its state dict (missing,
    extra or reshaped tensors) is a ``WrongWeightsError`` that names the file and the keys."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WrongWeightsError(f"{extractor}: {path} does not hold a state dict of tensors")
    expected = net.state_dict()
    problems = []
    if missing := sorted(set(expected) - set(state)):
        problems.append(f"{len(missing)} tensors missing ({_listed(missing)})")
    if extra := sorted(set(state) - set(expected)):
        problems.append(f"{len(extra)} unexpected ({_listed(extra)})")
    reshaped = [
        f"{key}: {list(state[key].shape)} in the file, {list(tensor.shape)} expected"
        for key, tensor in expected.items()
        if key in state and state[key].shape != tensor.shape
    ]
    if reshaped:
        problems.append(f"{len(reshaped)} with another shape ({_listed(reshaped)})")
    if problems:
        raise WrongWeightsError(
            f"{extractor}: {path} is not a {type(net).__name__} checkpoint: " + "; ".join(problems)
        )
    net.load_state_dict(state)
    return net


class PretrainedAudioExtractor(AudioFeatureExtractor):
    """A published network whose weights are one local file with a published name."""

    version = "1"
    weights_file: ClassVar[WeightsFile]
    embedding_size: ClassVar[int]

    def __init__(self, device: torch.device, weights_dir: Path | None = None):
        super().__init__(device, weights_dir)
        path = find_weights(self.name, self.weights_file, weights_dir)
        self._sha256 = checked_sha256(self.name, self.weights_file, path)
        net = load_checkpoint(self.name, self._network(), path, self._state_dict(path))
        self.net = net.to(device).eval()

    @classmethod
    def weights_files(cls) -> tuple[WeightsFile, ...]:
        """What ``bench weights fetch|verify`` handle for this extractor."""
        return (cls.weights_file,)

    @abstractmethod
    def _network(self) -> nn.Module:
        """The architecture, randomly initialised, that the file's tensors go into."""

    def _state_dict(self, path: Path) -> Any:
        return load_state_dict_safely(path)

    @property
    def weights_sha256(self) -> str:
        return self._sha256

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
