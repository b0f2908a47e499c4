"""Confidence intervals of the new metrics: coverage of E[estimate] in simulation, and
the k-NN metrics' refusal of bootstrap copies."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from benchbench.metrics.features.fd import FrechetDistance
from benchbench.metrics.features.isc import InceptionScore, inception_score
from benchbench.metrics.features.kid import KernelInceptionDistance
from benchbench.metrics.features.prdc import (
    Coverage,
    Density,
    Precision,
    Recall,
    density_coverage,
    precision_recall,
)
from benchbench.metrics.stats import BootstrapSpec

FEATURES = {"name": "test-features", "version": "1"}
INCEPTION = {"name": "inception-v3-compat", "version": "1"}
KNN = {
    Precision: lambda r, f: precision_recall(r, f)[0],
    Recall: lambda r, f: precision_recall(r, f)[1],
    Density: lambda r, f: density_coverage(r, f)[0],
    Coverage: lambda r, f: density_coverage(r, f)[1],
}


def draw(rng, n=200, d=4, shift=0.5):
    return rng.normal(size=(n, d)), rng.normal(size=(n, d)) * 1.2 + shift


def run(metric, real, fake, shared=None):
    metric.update(torch.from_numpy(real), real=True)
    metric.update(torch.from_numpy(fake), real=False)
    return metric.compute(shared)


@pytest.mark.parametrize("metric_class", list(KNN))
def test_half_sampling_interval_covers_the_knn_estimators_expectation(metric_class):
    direct = KNN[metric_class]
    rng = np.random.default_rng(21)
    expectation = np.mean([direct(*draw(rng)) for _ in range(400)])
    experiments, covered = 60, 0
    for seed in range(experiments):
        spec = BootstrapSpec(100, 0.95, seed)
        result = run(metric_class(features=FEATURES, reference="r", bootstrap=spec), *draw(rng))
        covered += result.ci_low <= expectation <= result.ci_high
    assert 0.85 <= covered / experiments <= 1.0, covered / experiments


def test_inception_score_bootstrap_covers_its_expectation():
    rng = np.random.default_rng(8)
    centres = rng.normal(size=(10, 10)) * 2

    def logits():
        return centres[rng.integers(0, 10, 300)] + rng.normal(size=(300, 10))

    expectation = np.mean([inception_score(logits(), splits=5)[0] for _ in range(400)])
    experiments, covered = 60, 0
    for seed in range(experiments):
        metric = InceptionScore(FEATURES, BootstrapSpec(100, 0.95, seed), splits=5)
        metric.update(torch.from_numpy(logits()))
        result = metric.compute()
        covered += result.ci_low <= expectation <= result.ci_high
    assert 0.85 <= covered / experiments <= 1.0, covered / experiments


def test_inception_score_at_two_samples_per_split_reports_no_interval_without_warnings():
    """A resample that draws no sample of some split has no value: the result says so in a
    warning of its own, and numpy's division warnings do not leak (they read as a bug)."""
    metric = InceptionScore(FEATURES, BootstrapSpec(50, 0.95, 0), splits=10)
    metric.update(torch.from_numpy(np.random.default_rng(0).normal(size=(20, 10))))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = metric.compute()
    assert np.isfinite(result.value) and result.ci_low is None
    assert any("no interval" in w for w in result.warnings)


def test_knn_metrics_share_one_geometry_and_refuse_copies():
    real, fake = draw(np.random.default_rng(0))
    shared: dict = {}
    results = [
        run(cls(features=FEATURES, reference="r", bootstrap=None), real, fake, shared)
        for cls in KNN
    ]
    assert len(shared) == 1  # four metrics, one distance computation
    assert [r.value for r in results] == pytest.approx([KNN[c](real, fake) for c in KNN])
    assert results[0].signature["k"] == 3 and results[3].signature["k"] == 5
    metric = Precision(features=FEATURES, reference="r")
    with pytest.raises(ValueError, match="0/1"):
        metric.score(shared.popitem()[1], np.full(len(real), 2.0), np.ones(len(fake)))


def test_knn_signature_records_half_sampling_and_warns_at_small_n():
    real, fake = draw(np.random.default_rng(1))
    result = run(
        Precision(features=FEATURES, reference="r", bootstrap=BootstrapSpec(20)), real, fake
    )
    assert result.signature["ci"] == "boot20,conf0.95,seed0,half-sample,recentred"
    assert result.label == "Precision[test-features]" and result.n == len(fake)
    assert "compare only at equal N" in result.warnings[0]


def test_kid_metric_matches_the_function_and_reports_the_subset_std():
    from benchbench.metrics.features.kid import kernel_inception_distance

    real, fake = draw(np.random.default_rng(2), n=150)
    metric = KernelInceptionDistance(
        features=INCEPTION, reference="r", bootstrap=BootstrapSpec(30), subsets=10, seed=4
    )
    result = run(metric, real, fake)
    mean, std = kernel_inception_distance(real, fake, subsets=10, subset_size=150, seed=4)
    assert result.value == pytest.approx(mean, rel=1e-6)
    assert result.details["std"] == pytest.approx(std, rel=1e-6)
    assert result.label == "KID" and result.signature["subset_size"] == 150
    assert result.ci_low < result.value < result.ci_high
    assert "subsets of 150" in result.warnings[0]


def test_kid_scores_all_replicates_in_one_pass_with_the_bootstrap_s_own_weights():
    """KID scores the replicates in one pass over its subsets (its kernels are too large to
    keep); the interval must equal the generic one — each replicate scored on its own,
    with weights drawn by ``bootstrap_interval`` — written out here with kernel_distance's
    pieces."""
    from benchbench.metrics.features.kd import polynomial_kernel, weighted_mmd2
    from benchbench.metrics.features.kid import subset_indices
    from benchbench.metrics.stats import bootstrap_interval

    real, fake = draw(np.random.default_rng(5), n=120)
    spec = BootstrapSpec(25, seed=7)
    metric = KernelInceptionDistance(
        features=INCEPTION, reference="r", bootstrap=spec, subsets=6, seed=1
    )
    result = run(metric, real, fake)
    a, b = (x.astype(np.float32).astype(np.float64) for x in (real, fake))  # as stored
    kernels = [
        (ia, ib, polynomial_kernel(a[ia], a[ia]), polynomial_kernel(b[ib], b[ib]),
         polynomial_kernel(a[ia], b[ib]))
        for ia, ib in subset_indices(len(a), len(b), 6, 120, 1)
    ]  # fmt: skip

    def score(wr: np.ndarray, wf: np.ndarray) -> float:
        return float(np.mean([weighted_mmd2(*k, wr[ia], wf[ib]) for ia, ib, *k in kernels]))

    value = score(np.ones(len(a)), np.ones(len(b)))
    low, high = bootstrap_interval(score, value, (len(a), len(b)), spec)
    assert result.value == pytest.approx(value, rel=1e-9)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-9)


@pytest.mark.parametrize(
    ("metric_class", "low", "high"),
    [(FrechetDistance, 0.0, np.inf), (Precision, 0.0, 1.0), (Recall, 0.0, 1.0)],
)
def test_intervals_stay_inside_what_the_metric_can_be(metric_class, low, high):
    """A set against itself: FD 0 and precision/recall near 1, where a recentred interval
    would reach below 0 or above 1 (FD [-11.9, 33.1] was seen on video features)."""
    real = np.random.default_rng(3).normal(size=(120, 6))
    spec = BootstrapSpec(200, 0.95, 0)
    result = run(metric_class(features=FEATURES, reference="r", bootstrap=spec), real, real)
    assert low <= result.ci_low <= result.value <= result.ci_high <= high
    if metric_class is FrechetDistance:
        assert result.value == 0.0 and result.ci_low == 0.0
