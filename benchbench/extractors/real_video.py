"""The literature's video embedding networks, from local weight files only: I3D for the
Fréchet Video Distance (Unterthiner et al. 2018) and VideoMAE-v2 for content-debiased FVD
(Ge et al. 2024).

Both take 16-frame clips (FVD's length; nothing is cut or resampled in time, see the base
class) at any frame rate, grey frames repeated to RGB and resized to 224×224 with
``bilinear``: ``F.interpolate(mode="bilinear", align_corners=False)`` without antialiasing,
as the PyTorch FVD code (VideoGPT, TATS, StyleGAN-V's data path, cd-fvd) resizes. The
TensorFlow reference resizes with TF1's ``resize_bilinear``, whose legacy pixel mapping
(no half-pixel centres) differs slightly; the rule is in every signature.

What is *not* reproduced exactly, and so is never mixed with a paper's number by name: the
cd-fvd code feeds VideoMAE [0, 1] frames without the ImageNet normalisation the network was
trained with, and uses the ViT-g/14 SSv2 model (a billion parameters); ``videomae-v2`` is
the released ViT-S/16 distilled encoder with its training normalisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from benchbench.extractors.pretrained import PretrainedNetwork
from benchbench.extractors.real import load_state_dict_safely
from benchbench.extractors.video import VideoFeatureExtractor
from benchbench.extractors.weights_files import WeightsFile, WrongWeightsError
from benchbench.nets.video import i3d, videomae


class PretrainedVideoExtractor(PretrainedNetwork, VideoFeatureExtractor):
    """A published video network whose weights are one local file with a published name."""

    version = "1"
    clip_frames = 16
    frame_rate = None  # the references embed clips at whatever rate they were recorded
    channels = 3
    resize = "bilinear"
    embedding_size: ClassVar[int]
    # 16 frames at 224×224: about 80 MiB of activations per clip (I3D's, on a CPU), so
    # the base's 64-clip batches would peak near 5 GiB.
    max_batch: ClassVar[int] = 8

    @property
    def feature_dim(self) -> int:
        return self.embedding_size

    def extract(  # type: ignore[override]
        self, videos: torch.Tensor, frame_rate: int, batch_size: int = 64
    ) -> dict[str, torch.Tensor]:
        """The base's, at most ``max_batch`` clips per forward pass: bounded peak memory."""
        return super().extract(videos, frame_rate, min(batch_size, self.max_batch))

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """The base's preparation with the references' resize: bilinear, no antialiasing."""
        frames = self.match_channels(frames.to(self.device, torch.float32))
        if frames.shape[-2:] != self.size:
            frames = F.interpolate(frames, size=self.size, mode="bilinear", align_corners=False)
        low, high = self.input_range
        return low + (high - low) * frames


class I3DKinetics400(PretrainedVideoExtractor):
    """I3D's 400 Kinetics logits, averaged over time (no softmax): FVD's embedding. FD on
    these features is labelled ``FVD``, and the ``fvd`` metric refuses any other extractor."""

    name = "i3d-kinetics400"
    size = (i3d.INPUT_SIZE, i3d.INPUT_SIZE)
    input_range = (-1.0, 1.0)
    embedding_size = i3d.KINETICS_CLASSES
    # No sha256 is published for the PyTorch port's file: it is recorded, not checked.
    weights_file = WeightsFile(
        "i3d_pretrained_400.pt",
        "https://github.com/songweige/TATS/raw/main/tats/fvd/i3d_pretrained_400.pt",
    )

    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "pooling": "logits, mean over time"}

    def _network(self) -> nn.Module:
        return i3d.InceptionI3d()

    def _state_dict(self, path: Path) -> Any:
        """Files saved by older torch lack batch norm's ``num_batches_tracked`` counters,
        which inference never reads: they are filled in, nothing else is."""
        state = load_state_dict_safely(path)
        if not isinstance(state, dict):
            return state  # refused, with the file named, by load_checkpoint
        counters = {
            key.removesuffix("running_mean") + "num_batches_tracked": torch.tensor(0)
            for key in state
            if key.endswith(".running_mean")
        }
        return {**counters, **state}

    def _extract(self, clips: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"features": self.net(clips.transpose(1, 2))}  # [B, C, T, H, W]


class VideoMAEv2ViTS(PretrainedVideoExtractor):
    """VideoMAE-v2 ViT-S/16 (distilled from ViT-g on Kinetics-710): the 384-d mean of its
    encoder tokens after ``fc_norm``, content-debiased FVD's kind of feature."""

    name = "videomae-v2"
    size = (videomae.INPUT_SIZE, videomae.INPUT_SIZE)
    embedding_size = videomae.VIT_S.width
    weights_file = WeightsFile(
        "vit_s_k710_dl_from_giant.pth",
        "https://huggingface.co/OpenGVLab/VideoMAE2/resolve/main/distill/vit_s_k710_dl_from_giant.pth",
    )

    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "normalisation": "imagenet", "pooling": "mean of tokens"}

    def _network(self) -> nn.Module:
        return videomae.VideoMAEv2ViT(videomae.VIT_S)

    def _state_dict(self, path: Path) -> Any:
        """The release wraps the state dict under ``"module"`` (or ``"model"``)."""
        checkpoint = load_state_dict_safely(path)
        for key in ("module", "model"):
            if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
                return checkpoint[key]
        raise WrongWeightsError(
            f"{self.name}: {path} is not a VideoMAE-v2 checkpoint (a dict whose 'module' or "
            f"'model' entry is the state dict)"
        )

    def _extract(self, clips: torch.Tensor) -> dict[str, torch.Tensor]:
        mean = clips.new_tensor(videomae.IMAGENET_MEAN)[:, None, None]
        std = clips.new_tensor(videomae.IMAGENET_STD)[:, None, None]
        return {"features": self.net(((clips - mean) / std).transpose(1, 2))}
