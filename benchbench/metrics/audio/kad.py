"""Kernel Audio Distance (Chung et al. 2025, "KAD: No More FAD!"), as the authors'
toolkit kadtk computes it:

    k(x, y) = exp(-|x - y|² / (2 σ²)),   σ = median pairwise distance of the reference set
    KAD = 100 · MMD²_u = 100 · (mean_{i≠j} k(r_i, r_j) + mean_{i≠j} k(g_i, g_j)
                                - 2 mean_{i,j} k(r_i, g_j))

The bandwidth σ comes from the reference features alone (every pair, the usual median:
the mean of the two middle distances for an even count), rounded to 6 significant
digits and recorded in the signature, so every model scored against one reference is
measured with one kernel; it is not re-estimated per model or per bootstrap replicate.
The scale 100 is kadtk's ``SCALE_FACTOR``. Named ``KAD[extractor]``: the paper
evaluates it on many embeddings, none of which defines it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchbench.metrics.features.base import FeatureMetric
from benchbench.metrics.features.kd import weighted_mmd2
from benchbench.metrics.features.prdc import pairwise_distances

SCALE = 100.0
BANDWIDTH_DIGITS = 6


def median_bandwidth(reference: np.ndarray) -> float:
    """The median distance between two different reference samples, to 6 significant
    digits; a ValueError when it is not positive (fewer than two distinct samples)."""
    if len(reference) < 2:
        raise ValueError(f"kad: the reference set needs at least 2 samples, got {len(reference)}")
    distances = pairwise_distances(reference)
    median = float(np.median(distances[np.triu_indices(len(reference), k=1)]))
    if not median > 0.0:
        raise ValueError(
            "kad: the median distance between reference features is 0 (most reference "
            "samples share one embedding), so no Gaussian bandwidth can be set"
        )
    return float(f"{median:.{BANDWIDTH_DIGITS}g}")


def rbf_kernel(a: np.ndarray, b: np.ndarray, bandwidth: float) -> np.ndarray:
    """exp(-|a_i - b_j|² / (2 σ²)) in float64."""
    return np.exp(-(pairwise_distances(a, b) ** 2) / (2.0 * bandwidth**2))


def kernel_audio_distance(
    reference: np.ndarray, generated: np.ndarray, bandwidth: float | None = None
) -> float:
    """KAD between two ``[N, D]`` feature arrays; ``bandwidth`` defaults to the reference's."""
    real = np.asarray(reference, np.float64)
    fake = np.asarray(generated, np.float64)
    sigma = median_bandwidth(real) if bandwidth is None else bandwidth
    kernels = rbf_kernel(real, real, sigma), rbf_kernel(fake, fake, sigma)
    return SCALE * weighted_mmd2(
        *kernels, rbf_kernel(real, fake, sigma), np.ones(len(real)), np.ones(len(fake))
    )


class KernelAudioDistance(FeatureMetric):
    name = "kad"
    label_prefix = "KAD"
    version = "1"
    higher_is_better = False
    _bandwidth: float | None = None

    def hparams(self) -> dict[str, Any]:
        return {
            "kernel": "rbf",
            "bandwidth": self._bandwidth,
            "bandwidth_rule": "median-pairwise-distance-of-reference",
            "scale": SCALE,
            "estimator": "full-U",
        }

    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        self._bandwidth = median_bandwidth(real)
        sigma = self._bandwidth
        return (
            rbf_kernel(real, real, sigma),
            rbf_kernel(fake, fake, sigma),
            rbf_kernel(real, fake, sigma),
        )

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        return SCALE * weighted_mmd2(*prepared, real_weights, fake_weights)
