"""KAD against an independent computation (scipy's cdist), its fixed bandwidth, its CI."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from benchbench.catalogue import METRICS
from benchbench.metrics.audio.kad import KernelAudioDistance, kernel_audio_distance
from benchbench.metrics.stats import BootstrapSpec

FEATURES = {"name": "test-features", "version": "1"}


def feature_sets(seed: int = 0, n: int = 300, d: int = 16, shift: float = 0.4):
    """float32, as extractors give them (and as the metric keeps them)."""
    rng = np.random.default_rng(seed)
    reference = rng.normal(size=(n, d)).astype(np.float32)
    return reference, (rng.normal(size=(n + 37, d)) * 1.1 + shift).astype(np.float32)


def kad_by_cdist(reference: np.ndarray, generated: np.ndarray) -> float:
    """KAD written out from the paper's formula, sharing no code with benchbench."""
    pairs = cdist(reference, reference)[np.triu_indices(len(reference), k=1)]
    sigma = float(f"{np.median(pairs):.6g}")

    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.exp(-cdist(a, b, "sqeuclidean") / (2 * sigma**2))

    m, n = len(reference), len(generated)
    k_rr, k_gg = kernel(reference, reference), kernel(generated, generated)
    within_r = (k_rr.sum() - np.trace(k_rr)) / (m * (m - 1))
    within_g = (k_gg.sum() - np.trace(k_gg)) / (n * (n - 1))
    return 100 * (within_r + within_g - 2 * kernel(reference, generated).mean())


def metric_value(reference: np.ndarray, generated: np.ndarray, bootstrap=None):
    metric = KernelAudioDistance(FEATURES, "ref", bootstrap)
    metric.update(torch.from_numpy(reference), real=True)
    metric.update(torch.from_numpy(generated), real=False)
    return metric.compute()


def test_kad_equals_an_independent_cdist_computation():
    reference, generated = feature_sets()
    expected = kad_by_cdist(reference, generated)
    assert expected > 0.1  # the sets differ: not a 0 == 0 check
    assert kernel_audio_distance(reference, generated) == pytest.approx(expected, abs=1e-9)
    assert metric_value(reference, generated).value == pytest.approx(expected, abs=1e-9)


def test_kad_bandwidth_is_the_references_and_is_in_the_signature():
    """Two models scored against one reference share one kernel: the bandwidth comes from
    the reference alone, is recorded, and is not re-estimated from the generated set."""
    reference, generated = feature_sets()
    far = generated * 5.0
    near, distant = metric_value(reference, generated), metric_value(reference, far)
    pairs = cdist(reference, reference)[np.triu_indices(len(reference), k=1)]
    assert near.signature["bandwidth"] == distant.signature["bandwidth"]
    assert near.signature["bandwidth"] == pytest.approx(np.median(pairs), rel=1e-6)
    assert near.signature["scale"] == 100.0 and near.label == "KAD[test-features]"
    assert distant.value > near.value


def test_kad_of_another_draw_of_the_reference_is_near_zero():
    """Unbiased, so it may dip below 0 (a set against itself gives -200 (1 - mean k) / N:
    the cross term counts each sample with itself)."""
    reference, generated = feature_sets()
    other_draw, _ = feature_sets(seed=1)
    replay = kernel_audio_distance(reference, other_draw)
    assert abs(replay) < 0.05 < kernel_audio_distance(reference, generated)


def test_kad_interval_brackets_the_value():
    reference, generated = feature_sets(n=120)
    result = metric_value(reference, generated, BootstrapSpec(resamples=100, seed=3))
    assert result.ci_low < result.value < result.ci_high
    assert result.signature["ci"] == "boot100,conf0.95,seed3,recentred"


def test_kad_refuses_a_reference_without_spread():
    same = np.ones((10, 4))
    with pytest.raises(ValueError, match="median distance between reference features is 0"):
        kernel_audio_distance(same, np.zeros((10, 4)))


def test_kad_is_registered_with_the_feature_sets_as_inputs():
    assert METRICS.declared("kad")["inputs"] == ("reference_features", "features")
    assert METRICS.get("kad") is KernelAudioDistance
