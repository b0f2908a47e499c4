"""CMMD (Jayasumana et al. 2024): MMD² between CLIP image embeddings with a Gaussian RBF
kernel (sigma = 10) on L2-normalised embeddings, the biased (V-statistic) estimator,
scaled by 1000 — as the authors' reference code computes it. Defined on CLIP features
only; the metric refuses any other extractor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchbench.metrics.features.base import FeatureMetric
from benchbench.metrics.features.prdc import pairwise_distances

SIGMA = 10.0
SCALE = 1000.0


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def rbf_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.exp(-(pairwise_distances(a, b) ** 2) / (2.0 * SIGMA**2))


def weighted_mmd2_biased(k_xx, k_yy, k_xy, w_x: np.ndarray, w_y: np.ndarray) -> float:
    sx, sy = w_x.sum(), w_y.sum()
    return float(
        w_x @ k_xx @ w_x / sx**2 + w_y @ k_yy @ w_y / sy**2 - 2.0 * (w_x @ k_xy @ w_y) / (sx * sy)
    )


def cmmd(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """CMMD between two [N, D] CLIP embedding arrays."""
    a, b = _unit(np.asarray(features_a, np.float64)), _unit(np.asarray(features_b, np.float64))
    ones_a, ones_b = np.ones(len(a)), np.ones(len(b))
    kernels = rbf_kernel(a, a), rbf_kernel(b, b), rbf_kernel(a, b)
    return SCALE * weighted_mmd2_biased(*kernels, ones_a, ones_b)


class CMMD(FeatureMetric):
    name = "cmmd"
    label_prefix = "CMMD"
    required_extractor = "clip-"
    version = "1"
    higher_is_better = False

    def hparams(self) -> dict[str, Any]:
        return {"kernel": "rbf", "sigma": SIGMA, "scale": SCALE, "estimator": "biased"}

    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        real, fake = _unit(real), _unit(fake)
        return rbf_kernel(real, real), rbf_kernel(fake, fake), rbf_kernel(real, fake)

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        return SCALE * weighted_mmd2_biased(*prepared, real_weights, fake_weights)
