"""The literature's feature extractors, through torch-fidelity's networks: Inception-v3
(FID, KID, IS as published), CLIP ViTs (CMMD) and DINOv2 ViTs.

Each loads its weights only from disk (``weights_files.find_weights``): a missing
file is an error that names it, every place searched and ``bench weights fetch``.
torch-fidelity takes uint8 RGB images of any size and resizes them inside the
network with its TensorFlow-1-compatible bilinear filter, so samples in [0, 1] are
quantised to uint8 first, exactly as image files would be.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from benchbench.extractors.base import FeatureExtractor
from benchbench.extractors.weights_files import WeightsFile, find_weights
from benchbench.hashing import sha256_file

TF1_RESIZE = "torch-fidelity tf1-bilinear from uint8"


class FidelityExtractor(FeatureExtractor):
    """A pretrained network that takes uint8 RGB and resizes inside itself."""

    channels = 3
    resize = TF1_RESIZE
    version = "1"
    network_layers: ClassVar[tuple[str, ...]]  # the network's names for ``outputs``

    def __init__(self, device: torch.device, weights_dir: Path | None = None):
        super().__init__(device, weights_dir)
        self.paths = [find_weights(self.name, f, weights_dir) for f in self.weights_files()]
        self._sha256 = sha256_file(self.paths[-1])
        self.net = self._build(self.paths).to(device).eval()
        probe = torch.zeros(1, 3, 8, 8, dtype=torch.uint8, device=device)
        with torch.inference_mode():
            self._feature_dim = int(self._extract(probe)["features"].shape[1])

    @classmethod
    @abstractmethod
    def weights_files(cls) -> tuple[WeightsFile, ...]:
        """What must be on disk; the last entry is the weights file whose hash is identity."""

    @abstractmethod
    def _build(self, paths: list[Path]) -> nn.Module: ...

    @property
    def weights_sha256(self) -> str:
        return self._sha256

    @property
    def feature_dim(self) -> int:
        return self._feature_dim

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        images = images.to(self.device, torch.float32)
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        return (images.clamp(0, 1) * 255).round().to(torch.uint8)

    def _extract(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        return dict(zip(self.outputs, self.net(images), strict=True))


def load_state_dict_safely(path: Path) -> dict[str, torch.Tensor]:
    """A state dict read with ``weights_only=True``: a file carrying code is refused."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(
            f"{path} is not a plain state dict (weights_only load failed): {exc}"
        ) from exc


class InceptionV3(FidelityExtractor):
    """torch-fidelity's Inception-v3 port of the TensorFlow FID network: pool3 (2048)
    features for FID/KID and the unbiased logits (1008 classes) for IS."""

    name = "inception-v3-compat"
    input_size = 299
    outputs = ("features", "logits")
    network_layers = ("2048", "logits_unbiased")

    @classmethod
    def weights_files(cls) -> tuple[WeightsFile, ...]:
        from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

        return (WeightsFile(URL_INCEPTION_V3.rsplit("/", 1)[1], URL_INCEPTION_V3, "6726825d"),)

    def _build(self, paths: list[Path]) -> nn.Module:
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        load_state_dict_safely(paths[-1])  # torch-fidelity itself loads with weights_only=False
        return FeatureExtractorInceptionV3(
            self.name, list(self.network_layers), feature_extractor_weights_path=str(paths[-1])
        )


class CLIPExtractor(FidelityExtractor):
    """A CLIP image tower (OpenAI's TorchScript archive; torch-fidelity drops the text
    tower), giving the image embedding CMMD compares."""

    network_layers = ("clip",)
    input_size = 224

    @classmethod
    def weights_files(cls) -> tuple[WeightsFile, ...]:
        from torch_fidelity.feature_extractor_clip import MODEL_METADATA, MODEL_URLS

        digest = MODEL_METADATA[cls.name]["hash"]
        return (WeightsFile(f"{cls.name}-{digest}.pt", MODEL_URLS[cls.name], digest),)

    def _build(self, paths: list[Path]) -> nn.Module:
        from torch_fidelity.feature_extractor_clip import FeatureExtractorCLIP

        return FeatureExtractorCLIP(
            self.name, list(self.network_layers), feature_extractor_weights_path=str(paths[-1])
        )


class CLIPViTB32(CLIPExtractor):
    name = "clip-vit-b-32"


class CLIPViTB16(CLIPExtractor):
    name = "clip-vit-b-16"


class CLIPViTL14(CLIPExtractor):
    name = "clip-vit-l-14"


class CLIPViTL14336(CLIPExtractor):
    name = "clip-vit-l-14-336px"
    input_size = 336


class _DINOv2Network(nn.Module):
    """torch-fidelity's DINOv2 preprocessing (TF1 bilinear to 224, ImageNet normalisation)
    around a hub model; torch-fidelity itself cannot load DINOv2 from a local file."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
        from torch_fidelity.interpolate_compat_tensorflow import (
            interpolate_bilinear_2d_like_tensorflow1x,
        )
        from torchvision.transforms.functional import normalize

        x = interpolate_bilinear_2d_like_tensorflow1x(
            x.float(), size=(224, 224), align_corners=False
        )
        x = normalize(
            x, (255 * 0.485, 255 * 0.456, 255 * 0.406), (255 * 0.229, 255 * 0.224, 255 * 0.225)
        )
        return (self.model(x).float(),)


class DINOv2Extractor(FidelityExtractor):
    """DINOv2 ViT class-token features, built from the facebookresearch/dinov2 hub
    repository and its published weights, both from disk."""

    network_layers = ("dinov2",)
    input_size = 224
    hub_model: ClassVar[str]

    @classmethod
    def weights_files(cls) -> tuple[WeightsFile, ...]:
        url = f"https://dl.fbaipublicfiles.com/dinov2/{cls.hub_model}/{cls.hub_model}_pretrain.pth"
        return (
            WeightsFile("facebookresearch_dinov2_main", "facebookresearch/dinov2", directory=True),
            WeightsFile(f"{cls.hub_model}_pretrain.pth", url),
        )

    def _build(self, paths: list[Path]) -> nn.Module:
        repo, weights = paths
        model = torch.hub.load(str(repo), self.hub_model, source="local", pretrained=False)
        model.load_state_dict(load_state_dict_safely(weights))
        return _DINOv2Network(model)


class DINOv2ViTS14(DINOv2Extractor):
    name = "dinov2-vit-s-14"
    hub_model = "dinov2_vits14"


class DINOv2ViTB14(DINOv2Extractor):
    name = "dinov2-vit-b-14"
    hub_model = "dinov2_vitb14"


class DINOv2ViTL14(DINOv2Extractor):
    name = "dinov2-vit-l-14"
    hub_model = "dinov2_vitl14"


class DINOv2ViTG14(DINOv2Extractor):
    name = "dinov2-vit-g-14"
    hub_model = "dinov2_vitg14"
