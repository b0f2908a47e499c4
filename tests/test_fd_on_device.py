"""FD computed in torch on the features' device equals the NumPy implementation (float64),
full-rank and rank-deficient; on CUDA when there is one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.metrics.features.fd import frechet_distance, frechet_distance_on_device

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason="no CUDA device on this machine"
        ),
    ),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", [400, 40])  # 40 samples in 64 dimensions: rank-deficient
def test_equals_the_numpy_implementation(device, n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=(n, 64)).astype(np.float32)
    b = (rng.normal(size=(n, 64)) * 1.2 + 0.1).astype(np.float32)
    expected = frechet_distance(a, b)
    got = frechet_distance_on_device(torch.from_numpy(a).to(device), torch.from_numpy(b).to(device))
    assert np.isfinite(got)
    # Round-off in the near-zero eigenvalues of a singular covariance moves the 9th digit.
    assert got == pytest.approx(expected, rel=1e-7)


def test_identical_sets_give_zero():
    x = torch.randn(300, 32, generator=torch.Generator().manual_seed(0))
    assert abs(frechet_distance_on_device(x, x.clone())) < 1e-9
