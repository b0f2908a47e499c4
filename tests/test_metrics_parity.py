"""Parity of the plain-array API with torch-fidelity, torchmetrics and prdc on identical
float64 feature arrays, plus closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from prdc import compute_prdc
from torch_fidelity.metric_fid import fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric
from torch_fidelity.metric_prc import calculate_precision_recall_full
from torchmetrics.image.fid import _compute_fid
from torchmetrics.image.kid import poly_mmd

from benchbench.metrics.features import (
    density_coverage,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)
from benchbench.metrics.features.fd import _psd_sqrt, trace_sqrt_product
from benchbench.metrics.features.kid import subset_indices
from benchbench.metrics.image import cmmd


def sets(n_a=600, n_b=500, d=24, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    return rng.normal(size=(n_a, d)) @ mixing, rng.normal(size=(n_b, d)) @ mixing * 1.1 + 0.2


def test_fid_equals_torch_fidelity_and_torchmetrics():
    a, b = sets()
    fidelity = fid_statistics_to_metric(
        {"mu": a.mean(0), "sigma": np.cov(a, rowvar=False)},
        {"mu": b.mean(0), "sigma": np.cov(b, rowvar=False)},
        verbose=False,
    )["frechet_inception_distance"]
    metrics = _compute_fid(
        *(torch.from_numpy(v) for v in (a.mean(0), np.cov(a, rowvar=False))),
        *(torch.from_numpy(v) for v in (b.mean(0), np.cov(b, rowvar=False))),
    ).item()
    assert frechet_distance(a, b) == pytest.approx(fidelity, rel=1e-6)
    assert frechet_distance(a, b) == pytest.approx(metrics, rel=1e-6)


def test_cholesky_and_eigh_square_roots_agree_and_singular_covariances_fall_back():
    a, b = sets(d=10)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = _psd_sqrt(sa)
    by_eigh = np.sqrt(np.clip(np.linalg.eigvalsh(root @ sb @ root), 0, None)).sum()
    assert trace_sqrt_product(sa, sb) == pytest.approx(by_eigh, rel=1e-10)
    singular = np.cov(a[:4], rowvar=False)  # rank 3 in 10 dimensions: no Cholesky factor
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(singular)
    value = trace_sqrt_product(singular, sb)
    assert np.isfinite(value) and value > 0


def test_fd_closed_form_for_one_dimensional_gaussians_is_exact():
    # FD(N(m1, s1²), N(m2, s2²)) = (m1 - m2)² + (s1 - s2)²; sample moments set exactly.
    x = np.array([[-1.0], [1.0]])  # mean 0, unbiased variance 2
    y = np.array([[1.0], [5.0]])  # mean 3, unbiased variance 8
    assert frechet_distance(x, y) == pytest.approx(9.0 + (np.sqrt(2) - np.sqrt(8)) ** 2, rel=1e-12)


def test_kid_subsets_equal_torch_fidelity_and_torchmetrics():
    a, b = sets()
    mean, std = kernel_inception_distance(a, b, subsets=20, subset_size=200, seed=3)
    reference = kid_features_to_metric(
        torch.from_numpy(a),
        torch.from_numpy(b),
        kid_subsets=20,
        kid_subset_size=200,
        kid_kernel="poly",
        kid_kernel_poly_degree=3,
        kid_kernel_poly_gamma=None,
        kid_kernel_poly_coef0=1,
        rng_seed=3,
        verbose=False,
    )
    assert mean == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-6)
    assert std == pytest.approx(reference["kernel_inception_distance_std"], rel=1e-6)
    # torchmetrics draws its subsets from the global RNG: compare on the same subsets.
    per_subset = [
        poly_mmd(torch.from_numpy(a[i]), torch.from_numpy(b[j])).item()
        for i, j in subset_indices(len(a), len(b), 20, 200, 3)
    ]
    assert mean == pytest.approx(np.mean(per_subset), rel=1e-6)


def test_inception_score_equals_torch_fidelity():
    logits = np.random.default_rng(4).normal(size=(1003, 30)) * 3
    reference = isc_features_to_metric(torch.from_numpy(logits), splits=10, rng_seed=2020)
    mean, std = inception_score(logits, splits=10, seed=2020)
    assert mean == pytest.approx(reference["inception_score_mean"], rel=1e-9)
    assert std == pytest.approx(reference["inception_score_std"], rel=1e-6)


def test_precision_recall_equal_torch_fidelity_and_prdc():
    real, fake = sets()
    precision, recall = precision_recall(real, fake, k=3)
    # torch-fidelity's convention: features_1 is generated, features_2 is real.
    tf_precision, tf_recall = calculate_precision_recall_full(
        torch.from_numpy(fake), torch.from_numpy(real), 3
    )
    reference = compute_prdc(real, fake, 3)
    assert precision == pytest.approx(tf_precision, rel=1e-6)
    assert recall == pytest.approx(tf_recall, rel=1e-6)
    assert (precision, recall) == pytest.approx(
        (reference["precision"], reference["recall"]), rel=1e-12
    )


def test_density_coverage_equal_prdc():
    real, fake = sets(seed=5)
    reference = compute_prdc(real, fake, 5)
    density, coverage = density_coverage(real, fake, k=5)
    assert density == pytest.approx(reference["density"], rel=1e-12)
    assert coverage == pytest.approx(reference["coverage"], rel=1e-12)


def test_identical_sets_score_perfectly():
    real, _ = sets()
    assert frechet_distance(real, real) == pytest.approx(0.0, abs=1e-9)
    assert precision_recall(real, real) == (1.0, 1.0)
    assert density_coverage(real, real)[1] == 1.0


def test_cmmd_equals_its_definition_by_brute_force():
    a, b = sets(n_a=40, n_b=30)
    ua = a / np.linalg.norm(a, axis=1, keepdims=True)
    ub = b / np.linalg.norm(b, axis=1, keepdims=True)

    def k(x, y):
        return np.exp(-((x[:, None, :] - y[None, :, :]) ** 2).sum(-1) / 200.0)

    expected = 1000 * (k(ua, ua).mean() + k(ub, ub).mean() - 2 * k(ua, ub).mean())
    assert cmmd(a, b) == pytest.approx(expected, rel=1e-9)


def test_kid_with_a_float32_gram_stays_within_1e_5_of_float64():
    """The opt-in fast path (float32 matrix products, float64 kernels and sums) against
    float64 throughout, on float32 features as extractors produce them."""
    a, b = (x.astype(np.float32) for x in sets(d=512))
    exact = kernel_inception_distance(a, b, subsets=20, subset_size=200, seed=3)
    fast = kernel_inception_distance(a, b, 20, 200, seed=3, gram_dtype=np.float32)
    assert fast[0] == pytest.approx(exact[0], rel=1e-5)
    assert fast[1] == pytest.approx(exact[1], rel=1e-5)


def test_knn_metrics_with_float32_products_equal_float64():
    """Ball membership is a comparison of distances: float32 products (the opt-in fast
    path) must not flip any of them on float32 features without near ties."""
    real, fake = (x.astype(np.float32) for x in sets(d=512))
    for metric, k in ((precision_recall, 3), (density_coverage, 5)):
        exact = metric(real, fake, k)
        fast = metric(real, fake, k, gram_dtype=np.float32)
        assert fast == exact and min(exact) > 0  # neither value degenerate
