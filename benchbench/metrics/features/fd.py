"""Fréchet distance between Gaussians fitted to two feature sets (FID when the features
are Inception-v3's; with other extractors it is named FD[extractor], not FID).

    FD = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2)

The trace term is a sum of square roots of the eigenvalues of S_a S_b, read from a
symmetric matrix with the same eigenvalues: L^T S_b L when S_a = L L^T has a Cholesky
factor (full rank; one ``eigvalsh``), else S_a^1/2 S_b S_a^1/2 (``eigh``, any rank).
Negative round-off eigenvalues are clipped to zero, so rank-deficient covariances
(fewer samples than dimensions) give a finite real number, never NaN or a complex
leftover as ``scipy.linalg.sqrtm`` can — and no Schur decomposition of a general
matrix is needed, which is why this is several times faster than sqrtm.

FD is a squared distance, never below 0. With rank-deficient covariances the square
roots of round-off eigenvalues (about 1e-16, so 1e-8 each) add up and can push the
value of two equal sets a little below 0 (-2e-5 on 40 samples of 64 dimensions); such
a value is returned as 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from benchbench.metrics.features.base import FeatureMetric


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def trace_sqrt_product(sigma_a: np.ndarray, sigma_b: np.ndarray) -> float:
    """tr((S_a S_b)^1/2) for symmetric PSD S_a, S_b, as tr((R^T S_b R)^1/2) with R R^T = S_a."""
    try:
        root_a = np.linalg.cholesky(sigma_a)
    except np.linalg.LinAlgError:  # singular: the symmetric square root works for any rank
        root_a = _psd_sqrt(sigma_a)
    middle = root_a.T @ sigma_b @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def gaussian_frechet_distance(
    mu_a: np.ndarray, sigma_a: np.ndarray, mu_b: np.ndarray, sigma_b: np.ndarray
) -> float:
    diff = np.asarray(mu_a, np.float64) - np.asarray(mu_b, np.float64)
    sigma_a = np.asarray(sigma_a, np.float64)
    sigma_b = np.asarray(sigma_b, np.float64)
    trace_term = np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * trace_sqrt_product(sigma_a, sigma_b)
    return max(0.0, float(diff @ diff + trace_term))


def weighted_moments(x: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance with frequency weights (as ``np.cov(fweights=...)``)."""
    total = weights.sum()
    mu = weights @ x / total
    scaled = (x - mu) * np.sqrt(weights)[:, None]
    sigma = scaled.T @ scaled / (total - 1.0)  # A^T A: BLAS computes one triangle
    return mu, sigma


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """FD between two [N, D] feature arrays (float64 statistics)."""
    a = np.asarray(features_a, np.float64)
    b = np.asarray(features_b, np.float64)
    return gaussian_frechet_distance(
        *weighted_moments(a, np.ones(len(a))), *weighted_moments(b, np.ones(len(b)))
    )


def frechet_distance_on_device(features_a: torch.Tensor, features_b: torch.Tensor) -> float:
    """FD with every step in float64 on the features' own device (a GPU's eigensolver
    makes it a fraction of a second at 10k×2048); same method as ``frechet_distance``."""
    a, b = features_a.double(), features_b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    sigma_a, sigma_b = torch.cov(a.T), torch.cov(b.T)
    root_a, failed = torch.linalg.cholesky_ex(sigma_a)
    if failed.item():  # singular: the symmetric square root works for any rank
        eigenvalues, eigenvectors = torch.linalg.eigh(sigma_a)
        root_a = (eigenvectors * eigenvalues.clamp(min=0.0).sqrt()) @ eigenvectors.T
    middle = root_a.T @ sigma_b @ root_a
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2.0).clamp(min=0.0).sqrt().sum()
    diff = mu_a - mu_b
    value = diff @ diff + sigma_a.trace() + sigma_b.trace() - 2.0 * trace_sqrt
    return max(0.0, float(value.item()))


class FrechetDistance(FeatureMetric):
    """FD on any extractor; labelled FD[extractor], FID on Inception-v3 features, FAD on
    VGGish's, FVD on I3D's Kinetics-400 logits."""

    name = "fd"
    label_prefix = "FD"
    literature_names = ("FID", "FAD", "FVD")
    version = "1"
    higher_is_better = False
    bounds = (0.0, math.inf)  # a squared distance: a recentred interval below 0 is cut there

    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        return real, fake

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        real, fake = prepared
        return gaussian_frechet_distance(
            *weighted_moments(real, real_weights), *weighted_moments(fake, fake_weights)
        )

    def warnings(self, real: np.ndarray, fake: np.ndarray) -> list[str]:
        dim = real.shape[1]
        return [
            f"FD with {n} {which} samples in {dim} dimensions: the covariance is rank-deficient "
            f"and the value is strongly biased; use more samples than feature dimensions"
            for which, n in (("reference", len(real)), ("generated", len(fake)))
            if n <= dim
        ]


class FrechetInceptionDistance(FrechetDistance):
    """``fid``: FD that refuses any extractor but Inception-v3, so "FID" always means FID."""

    name = "fid"
    required_extractor = "inception-v3-compat"


class FrechetAudioDistance(FrechetDistance):
    """``fad``: FD that refuses any extractor but VGGish, so "FAD" always means FAD."""

    name = "fad"
    required_extractor = "vggish"


class FrechetVideoDistance(FrechetDistance):
    """``fvd``: FD that refuses any extractor but I3D (Kinetics-400), so "FVD" always
    means FVD as Unterthiner et al. define it."""

    name = "fvd"
    required_extractor = "i3d-kinetics400"
