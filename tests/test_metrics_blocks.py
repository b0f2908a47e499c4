"""Blocked k-NN metrics and kernel distance (bounded memory at 50k samples) against the
dense formulas they replace: equal values and equal intervals, at block sizes that do and
do not divide the set sizes."""

from __future__ import annotations

import numpy as np
import pytest

from benchbench.metrics.features.base import row_blocks
from benchbench.metrics.features.kd import (
    KernelDistance,
    blocked_mmd2_many,
    polynomial_kernel,
    weighted_mmd2_many,
)
from benchbench.metrics.features.prdc import (
    Coverage,
    Density,
    KNNGeometry,
    Precision,
    Recall,
    density_coverage,
    precision_recall,
)
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval, half_sample

FEATURES = {"name": "test-features", "version": "1"}
BLOCKS = [7, 64, 100, 1000]  # 7 and 64 divide neither set size; 1000 is one block


def sets(n_real: int = 300, n_fake: int = 260, d: int = 16) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return rng.normal(size=(n_real, d)), rng.normal(size=(n_fake, d)) * 1.1 + 0.2


def dense_knn(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    """The four statistics from whole distance matrices (the unblocked definition)."""

    def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    real_fake = distances(real, fake)
    real_radii = np.sort(distances(real, real), axis=1)[:, k]
    fake_radii = np.sort(distances(fake, fake), axis=1)[:, k]
    inside = real_fake <= real_radii[:, None]
    return {
        "precision": inside.any(axis=0).mean(),
        "recall": (real_fake <= fake_radii[None, :]).any(axis=1).mean(),
        "density": inside.sum(axis=0).mean() / k,
        "coverage": (real_fake.min(axis=1) <= real_radii).mean(),
    }


def test_row_blocks_cover_every_row_once_and_refuse_empty_blocks():
    assert [(s.start, s.stop) for s in row_blocks(10, 4)] == [(0, 4), (4, 8), (8, 10)]
    with pytest.raises(ValueError, match="at least 1 row"):
        row_blocks(10, 0)


@pytest.mark.parametrize("block", BLOCKS)
def test_blocked_knn_metrics_equal_the_dense_definition(block):
    real, fake = sets()
    precision, recall = precision_recall(real, fake, block=block)
    density, coverage = density_coverage(real, fake, block=block)
    three, five = dense_knn(real, fake, 3), dense_knn(real, fake, 5)
    assert (precision, recall) == pytest.approx((three["precision"], three["recall"]), abs=1e-12)
    assert (density, coverage) == pytest.approx((five["density"], five["coverage"]), abs=1e-12)


@pytest.mark.parametrize("block", [7, 1000])
@pytest.mark.parametrize("metric_class", [Precision, Recall, Density, Coverage])
def test_blocked_half_sample_intervals_equal_replicate_by_replicate_scoring(metric_class, block):
    """Same half-samples from the same seed, each scored by the dense definition."""
    real, fake = sets(120, 110)
    spec = BootstrapSpec(30, 0.9, 5)
    metric = metric_class(features=FEATURES, reference="r", bootstrap=spec)
    blocked = metric.estimate(KNNGeometry.of(real, fake, block=block), len(real), len(fake))

    def dense(real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        chosen = real[real_weights == 1], fake[fake_weights == 1]
        return dense_knn(*chosen, metric_class.k)[metric_class.name]

    expected = estimate_with_interval(dense, (len(real), len(fake)), spec, half_sample)
    assert blocked == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("block", BLOCKS)
def test_blocked_kernel_sums_equal_the_whole_kernels(block):
    real, fake = sets()
    rng = np.random.default_rng(4)
    w_real = rng.poisson(1.0, size=(5, len(real))).astype(float)
    w_fake = rng.poisson(1.0, size=(5, len(fake))).astype(float)
    kernels = polynomial_kernel(real, real), polynomial_kernel(fake, fake)
    dense = weighted_mmd2_many(*kernels, polynomial_kernel(real, fake), w_real, w_fake)
    assert blocked_mmd2_many(real, fake, w_real, w_fake, block) == pytest.approx(dense, abs=1e-9)


def test_kernel_distance_bootstrap_interval_is_unchanged():
    """All replicates in one pass draw and score the replicates one by one did."""
    real, fake = sets(150, 140)
    spec = BootstrapSpec(40, 0.95, 9)
    metric = KernelDistance(features=FEATURES, reference="r", bootstrap=spec)
    kernels = polynomial_kernel(real, real), polynomial_kernel(fake, fake)
    kernels += (polynomial_kernel(real, fake),)

    def dense(real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        return float(weighted_mmd2_many(*kernels, real_weights[None], fake_weights[None])[0])

    expected = estimate_with_interval(dense, (len(real), len(fake)), spec)
    got = metric.estimate(metric.prepare(real, fake), len(real), len(fake))
    assert got == pytest.approx(expected, abs=1e-9)


def test_peak_memory_stays_far_below_one_whole_distance_matrix():
    """3,000 samples: one 3,000² float64 matrix is 72 MB; blocks of 100 rows stay small."""
    import tracemalloc

    real, fake = sets(3000, 3000, 8)
    tracemalloc.start()
    try:
        precision_recall(real, fake, block=100)
        blocked_mmd2_many(real, fake, np.ones((1, 3000)), np.ones((1, 3000)), 100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20e6, f"peak {peak / 1e6:.0f} MB"
