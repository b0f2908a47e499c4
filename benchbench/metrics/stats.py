"""Confidence intervals by the bootstrap, with an explicit seed.

A bootstrap replicate resamples each sample set with replacement. It is expressed as
multiplicity weights (how often each original sample was drawn) rather than copied
arrays, so a metric can reuse what it precomputed (a kernel matrix, the features)
and only re-weight its sums — and so a weighted U-statistic can leave out the pairs
of a sample with its own copy, which plain resampled arrays would count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

WeightedScore = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True)
class BootstrapSpec:
    resamples: int = 200
    confidence: float = 0.95
    seed: int = 0

    def signature(self) -> str:
        return f"boot{self.resamples},conf{self.confidence},seed{self.seed}"


def multiplicities(rng: np.random.Generator, n: int) -> np.ndarray:
    """How often each of ``n`` samples is drawn in one resample of size ``n``."""
    return rng.multinomial(n, np.full(n, 1.0 / n)).astype(np.float64)


def bootstrap_interval(
    score: WeightedScore, n_real: int, n_fake: int, spec: BootstrapSpec
) -> tuple[float, float]:
    """Percentile interval of ``score(real_weights, fake_weights)`` over resamples of both sets."""
    rng = np.random.default_rng(spec.seed)
    replicates = np.array(
        [
            score(multiplicities(rng, n_real), multiplicities(rng, n_fake))
            for _ in range(spec.resamples)
        ]
    )
    tail = (1.0 - spec.confidence) / 2.0 * 100.0
    low, high = np.percentile(replicates, [tail, 100.0 - tail])
    return float(low), float(high)


def bootstrap_median_interval(samples: list[float], spec: BootstrapSpec) -> tuple[float, float]:
    """Percentile bootstrap interval of the median of ``samples``."""
    values = np.asarray(samples, np.float64)
    rng = np.random.default_rng(spec.seed)
    draws = rng.integers(0, len(values), size=(spec.resamples, len(values)))
    medians = np.median(values[draws], axis=1)
    tail = (1.0 - spec.confidence) / 2.0 * 100.0
    low, high = np.percentile(medians, [tail, 100.0 - tail])
    return float(low), float(high)
