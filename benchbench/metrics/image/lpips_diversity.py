"""LPIPS diversity: the mean LPIPS distance (Zhang et al. 2018, the ``lpips`` package)
over all pairs of generated samples; higher means more varied samples.

LPIPS(x, y) = sum over layers l of mean over positions of sum_c w_lc (x̂_lc - ŷ_lc)²,
where x̂ are channel-normalised backbone activations and w_lc >= 0 the learned
linear weights. That is a squared Euclidean distance ||φ(x) - φ(y)||² with
φ = concat_l sqrt(w_l / (H_l W_l)) ⊙ x̂_l, so the mean over all N(N-1)/2 pairs costs
one forward pass per sample and O(N·D) arithmetic instead of N² network calls, and a
bootstrap replicate is a re-weighted sum. The tests check φ against ``lpips.LPIPS``.

The ``lpips`` package ships only the linear weights; the backbone (AlexNet or VGG-16)
is torchvision's ImageNet checkpoint, read from disk (``weights_files``).
"""

from __future__ import annotations

import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from benchbench.extractors.real import load_state_dict_safely
from benchbench.extractors.weights_files import WeightsFile, find_weights
from benchbench.hashing import sha256_file
from benchbench.metrics import Estimate, Metric, MetricInputs, MetricSetup
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval

MIN_SIZE = 64  # AlexNet's pooling leaves nothing of smaller images
BACKBONES = {
    "alex": WeightsFile(
        "alexnet-owt-7be5be79.pth",
        "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
        "7be5be79",
    ),
    "vgg": WeightsFile(
        "vgg16-397923af.pth", "https://download.pytorch.org/models/vgg16-397923af.pth", "397923af"
    ),
}


class LPIPSEmbedding:
    """φ of the docstring above: LPIPS distances as squared distances between rows."""

    def __init__(self, device: torch.device, net: str = "alex", weights_dir: Path | None = None):
        import lpips

        path = find_weights(f"lpips-{net}", BACKBONES[net], weights_dir)
        self.backbone_sha256 = sha256_file(path)
        with warnings.catch_warnings():  # torchvision's `pretrained=` deprecation, inside lpips
            warnings.simplefilter("ignore")
            self.model = lpips.LPIPS(net=net, pnet_rand=True, verbose=False)
        backbone = load_state_dict_safely(path)
        self.model.net.load_state_dict(
            {
                key: backbone[f"features.{key.split('.', 1)[1]}"]
                for key in self.model.net.state_dict()
            }
        )
        self.model = self.model.to(device).eval()
        self.device = device
        self.net = net

    @torch.inference_mode()
    def __call__(self, images: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        """φ ``[N, D]`` (float32, CPU) of images in [0, 1], NCHW."""
        return torch.cat(
            [self._embed(images[i : i + batch_size]) for i in range(0, len(images), batch_size)]
        )

    def _embed(self, images: torch.Tensor) -> torch.Tensor:
        import lpips

        x = images.to(self.device, torch.float32)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if min(x.shape[-2:]) < MIN_SIZE:
            x = F.interpolate(x, size=(MIN_SIZE, MIN_SIZE), mode="bilinear", align_corners=False)
        activations = self.model.net(self.model.scaling_layer(2.0 * x - 1.0))
        parts = []
        for layer, lin in zip(activations, self.model.lins, strict=True):
            weight = lin.model[-1].weight.view(1, -1, 1, 1)
            scale = (weight / (layer.shape[-2] * layer.shape[-1])).sqrt()
            parts.append((lpips.normalize_tensor(layer) * scale).flatten(1))
        return torch.cat(parts, dim=1).float().cpu()


def mean_pairwise_sq_distance(phi: np.ndarray, weights: np.ndarray) -> float:
    """sum_{i≠j} w_i w_j |φ_i - φ_j|² / sum_{i≠j} w_i w_j (a sample never pairs its copy)."""
    total = weights.sum()
    norms = (phi * phi).sum(axis=1)
    centre = weights @ phi
    pairs = 2.0 * total * (weights @ norms) - 2.0 * (centre @ centre)
    return float(pairs / (total**2 - weights @ weights))


class LPIPSDiversity(Metric):
    name = "lpips"
    version = "1"
    higher_is_better = True
    inputs = ("images",)

    def __init__(
        self,
        embedding: LPIPSEmbedding,
        bootstrap: BootstrapSpec | None = None,
    ):
        self.embedding = embedding
        self.bootstrap = bootstrap
        self._phi: list[torch.Tensor] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> LPIPSDiversity:
        device = setup.device or torch.device("cpu")
        return cls(LPIPSEmbedding(device, weights_dir=setup.weights_dir), setup.bootstrap)

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("images"))

    def update(self, images: torch.Tensor) -> None:
        self._phi.append(self.embedding(images))

    @property
    def label(self) -> str:
        return f"LPIPS-diversity[{self.embedding.net}]"

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        phi = torch.cat(self._phi).double().numpy()
        n = len(phi)
        if n < 2:
            raise ValueError("lpips: diversity needs at least two samples")
        value, ci_low, ci_high = estimate_with_interval(
            lambda w: mean_pairwise_sq_distance(phi, w), (n,), self.bootstrap
        )
        return Estimate(
            value,
            ci_low,
            ci_high,
            n=n,
            recipe={
                "lpips": f"{version('lpips')},linear-v0.1",
                "net": self.embedding.net,
                "backbone_sha256": self.embedding.backbone_sha256,
                "resize": f"bilinear up to {MIN_SIZE}",
                "pairs": "all",
                "n_fake": n,
                "ci": self.ci_signature(),
            },
        )
