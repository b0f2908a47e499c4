"""FD and KD against closed forms and the reference implementation (torch-fidelity)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_fidelity.metric_fid import fid_statistics_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

from benchbench.metrics.features.fd import (
    FrechetDistance,
    frechet_distance,
    frechet_distance_on_device,
    gaussian_frechet_distance,
    weighted_moments,
)
from benchbench.metrics.features.kd import (
    KernelDistance,
    kernel_distance,
    polynomial_kernel,
    weighted_mmd2,
)
from benchbench.metrics.stats import BootstrapSpec

FEATURES = {"name": "test-features", "version": "1"}


def gaussian_sets(seed: int = 0, n: int = 400, d: int = 12, shift: float = 0.3):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    a = rng.normal(size=(n, d)) @ mixing
    b = rng.normal(size=(n, d)) @ (mixing * 1.2) + shift
    return a, b


def test_fd_closed_form_for_commuting_covariances():
    # Diagonal covariances commute: FD = |mu_a - mu_b|^2 + sum (sqrt(s_a) - sqrt(s_b))^2.
    mu_a, mu_b = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    var_a, var_b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)
    value = gaussian_frechet_distance(mu_a, np.diag(var_a), mu_b, np.diag(var_b))
    assert value == pytest.approx(expected, rel=1e-12)


def test_fd_equals_torch_fidelity_on_the_same_features():
    a, b = gaussian_sets()
    stats = [{"mu": x.mean(0), "sigma": np.cov(x, rowvar=False)} for x in (a, b)]
    reference = fid_statistics_to_metric(*stats, verbose=False)["frechet_inception_distance"]
    assert frechet_distance(a, b) == pytest.approx(reference, rel=1e-6)


def test_fd_of_a_set_with_itself_is_zero_and_rank_deficient_sets_stay_finite():
    a, _ = gaussian_sets()
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    rng = np.random.default_rng(1)
    few = rng.normal(size=(5, 20))  # 5 samples in 20 dimensions: singular covariance
    value = frechet_distance(few, rng.normal(size=(6, 20)))
    assert np.isfinite(value) and value > 0


def test_fd_of_a_rank_deficient_set_with_itself_is_zero_not_negative():
    """40 samples in 64 dimensions: the square roots of round-off eigenvalues used to
    push FD(x, x) to about -1e-5; FD is a squared distance and is returned as 0."""
    rng = np.random.default_rng(7)
    few = np.maximum(rng.normal(size=(40, 64)) @ rng.normal(size=(64, 64)), 0.0)
    assert frechet_distance(few, few) == 0.0
    assert frechet_distance_on_device(torch.from_numpy(few), torch.from_numpy(few)) == 0.0


def test_kd_equals_torch_fidelity_kid_with_one_full_subset():
    a, b = gaussian_sets(n=300)
    reference = kid_features_to_metric(
        torch.from_numpy(a),
        torch.from_numpy(b),
        kid_subsets=1,
        kid_subset_size=len(a),
        kid_kernel="poly",
        kid_kernel_poly_degree=3,
        kid_kernel_poly_gamma=None,
        kid_kernel_poly_coef0=1,
        rng_seed=0,
        verbose=False,
    )["kernel_inception_distance_mean"]
    assert kernel_distance(a, b) == pytest.approx(reference, rel=1e-9)


def test_kd_is_unbiased_near_zero_for_identically_distributed_sets():
    rng = np.random.default_rng(2)
    values = [
        kernel_distance(rng.normal(size=(100, 8)), rng.normal(size=(100, 8))) for _ in range(40)
    ]
    # An unbiased estimator of MMD^2 = 0 averages to ~0 and takes negative values.
    assert min(values) < 0
    assert abs(np.mean(values)) < 3 * np.std(values) / np.sqrt(len(values))


def test_weighted_statistics_equal_explicit_repetition():
    a, b = gaussian_sets(n=50, d=4)
    rng = np.random.default_rng(3)
    w_a = rng.integers(0, 4, size=len(a)).astype(float)
    w_b = rng.integers(0, 4, size=len(b)).astype(float)
    rep_a, rep_b = np.repeat(a, w_a.astype(int), axis=0), np.repeat(b, w_b.astype(int), axis=0)
    mu, sigma = weighted_moments(a, w_a)
    assert np.allclose(mu, rep_a.mean(0)) and np.allclose(sigma, np.cov(rep_a, rowvar=False))
    fd = gaussian_frechet_distance(*weighted_moments(a, w_a), *weighted_moments(b, w_b))
    assert fd == pytest.approx(frechet_distance(rep_a, rep_b), rel=1e-9)

    # KD: within-set pairs of a sample with its own copies are left out.
    def within(x, origin):
        k = polynomial_kernel(x, x)
        other = origin[:, None] != origin[None, :]
        return k[other].mean()

    origin_a, origin_b = (
        np.repeat(np.arange(len(a)), w_a.astype(int)),
        np.repeat(np.arange(len(b)), w_b.astype(int)),
    )
    expected = (
        within(rep_a, origin_a)
        + within(rep_b, origin_b)
        - 2 * polynomial_kernel(rep_a, rep_b).mean()
    )
    kernels = polynomial_kernel(a, a), polynomial_kernel(b, b), polynomial_kernel(a, b)
    assert weighted_mmd2(*kernels, w_a, w_b) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("metric_class", [FrechetDistance, KernelDistance])
def test_streaming_metric_result_has_ci_n_and_signature(metric_class):
    a, b = gaussian_sets(n=200, d=6)
    spec = BootstrapSpec(resamples=100, confidence=0.9, seed=7)
    results = []
    for _ in range(2):
        metric = metric_class(features=FEATURES, reference="ref@abc", bootstrap=spec)
        for chunk in np.array_split(b, 3):  # streamed in batches
            metric.update(torch.from_numpy(chunk), real=False)
        metric.update(torch.from_numpy(a), real=True)
        results.append(metric.compute())
    result = results[0]
    direct = frechet_distance if metric_class is FrechetDistance else kernel_distance
    assert result.value == pytest.approx(
        direct(a.astype(np.float32), b.astype(np.float32)), rel=1e-6
    )
    assert result.ci_low < result.value < result.ci_high
    assert (results[1].ci_low, results[1].ci_high) == (result.ci_low, result.ci_high)  # seeded
    assert result.n == 200 and result.higher_is_better is False
    assert result.signature["features"] == FEATURES and result.signature["n_fake"] == 200
    assert result.signature["ci"] == "boot100,conf0.9,seed7,recentred"
    assert result.label == f"{metric_class.label_prefix}[test-features]"


def test_fd_warns_when_samples_do_not_exceed_dimensions():
    rng = np.random.default_rng(0)
    metric = FrechetDistance(features=FEATURES, reference="r")
    metric.update(torch.from_numpy(rng.normal(size=(100, 32))), real=True)
    metric.update(torch.from_numpy(rng.normal(size=(20, 32))), real=False)
    result = metric.compute()
    assert result.ci_low is None
    assert (
        len(result.warnings) == 1 and "20 generated samples in 32 dimensions" in result.warnings[0]
    )


@pytest.mark.parametrize("metric_class", [FrechetDistance, KernelDistance])
def test_bootstrap_interval_covers_the_estimators_expectation(metric_class):
    """Coverage check against fresh draws: the interval describes the estimate at this N, so
    over repeated experiments it should contain E[estimate] about 95% of the time."""
    n, d, shift = 100, 3, 0.4
    direct = frechet_distance if metric_class is FrechetDistance else kernel_distance
    rng = np.random.default_rng(11)

    def draw():
        return rng.normal(size=(n, d)), rng.normal(size=(n, d)) + shift

    expectation = np.mean([direct(*draw()) for _ in range(2000)])
    covered = 0
    experiments = 80
    for seed in range(experiments):
        real, fake = draw()
        metric = metric_class(
            features=FEATURES, reference="r", bootstrap=BootstrapSpec(200, 0.95, seed)
        )
        metric.update(torch.from_numpy(real), real=True)
        metric.update(torch.from_numpy(fake), real=False)
        result = metric.compute()
        covered += result.ci_low <= expectation <= result.ci_high
    assert 0.85 <= covered / experiments <= 1.0, covered / experiments
