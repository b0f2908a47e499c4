"""Confidence intervals by resampling, with an explicit seed.

A bootstrap replicate resamples each sample set with replacement. It is expressed as
multiplicity weights (how often each original sample was drawn) rather than copied
arrays, so a metric can reuse what it precomputed (a kernel matrix, the features)
and only re-weight its sums — and so a weighted U-statistic can leave out the pairs
of a sample with its own copy, which plain resampled arrays would count.

k-nearest-neighbour metrics (precision, recall, density, coverage) cannot take copies:
a duplicate sits at distance zero from itself and shrinks every k-NN ball around it.
They use half-sampling instead — each replicate keeps a random half of each set,
without replacement, as 0/1 weights. For a mean-like statistic the spread of a
half-sample around the full-sample value, sigma^2 (1/(n/2) - 1/n) = sigma^2 / n, equals
the full sample's own sampling variance, so the same re-centred percentile interval
applies (the delete-half jackknife idea; the coverage is checked by simulation in the
tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

WeightedScore = Callable[..., float]  # one weight array per sample set
WeightDraw = Callable[[np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class BootstrapSpec:
    resamples: int = 200
    confidence: float = 0.95
    seed: int = 0

    def signature(self) -> str:
        return f"boot{self.resamples},conf{self.confidence},seed{self.seed}"

    def tails(self) -> tuple[float, float]:
        """The lower and upper percentiles (0-100) of the interval."""
        tail = (1.0 - self.confidence) / 2.0 * 100.0
        return tail, 100.0 - tail


def multiplicities(rng: np.random.Generator, n: int) -> np.ndarray:
    """How often each of ``n`` samples is drawn in one resample of size ``n``."""
    return rng.multinomial(n, np.full(n, 1.0 / n)).astype(np.float64)


def half_sample(rng: np.random.Generator, n: int) -> np.ndarray:
    """0/1 weights keeping a random ``n // 2`` of ``n`` samples (no sample twice)."""
    weights = np.zeros(n)
    weights[rng.choice(n, n // 2, replace=False)] = 1.0
    return weights


RESAMPLING: dict[str, WeightDraw] = {"bootstrap": multiplicities, "half-sample": half_sample}


def bootstrap_interval(
    score: WeightedScore,
    estimate: float,
    sizes: Sequence[int],
    spec: BootstrapSpec,
    draw: WeightDraw = multiplicities,
) -> tuple[float, float]:
    """Interval for ``estimate`` from resamples of every sample set (``sizes``: e.g. the
    reference and the generated set; ``score`` takes one weight array per set): the
    replicates' percentile spread around their median, re-centred on the estimate.

    Plain percentile intervals assume the replicates scatter around the estimate. For
    Fréchet distance they do not: its upward finite-sample bias grows when a resample
    repeats samples, so every replicate is shifted up and a percentile interval can
    miss the estimate altogether. Re-centring keeps the bootstrap's measure of spread
    and drops its shift; the interval describes the estimate at this N (compare values
    only at equal N — the signature records N). ``draw`` gives one replicate's weights
    (``multiplicities`` for the bootstrap, ``half_sample`` for k-NN metrics).
    """
    replicates = np.array([score(*weights) for weights in _replicates(sizes, spec, draw)])
    return recentred_interval(replicates, estimate, spec)


def _replicates(
    sizes: Sequence[int], spec: BootstrapSpec, draw: WeightDraw
) -> Iterator[list[np.ndarray]]:
    """Each replicate's weights, one array per sample set, from ``spec.seed``."""
    rng = np.random.default_rng(spec.seed)
    for _ in range(spec.resamples):
        yield [draw(rng, n) for n in sizes]


def replicate_weights(
    sizes: Sequence[int], spec: BootstrapSpec, draw: WeightDraw = multiplicities
) -> list[np.ndarray]:
    """Every replicate's weights at once, one ``[resamples, n]`` array per sample set, drawn
    as ``bootstrap_interval`` draws them — for a metric that scores all replicates in one
    pass over its data (KID, whose kernels are too large to keep; rater bootstraps)."""
    rows = list(_replicates(sizes, spec, draw))
    return [np.stack([row[i] for row in rows]) for i in range(len(sizes))]


def recentred_interval(
    replicates: np.ndarray, estimate: float, spec: BootstrapSpec
) -> tuple[float, float]:
    """The replicates' percentile spread around their median, re-centred on ``estimate``
    (see ``bootstrap_interval``)."""
    low, centre, high = np.percentile(replicates, [spec.tails()[0], 50.0, spec.tails()[1]])
    return float(estimate - (centre - low)), float(estimate + (high - centre))


def estimate_with_interval(
    score: WeightedScore,
    sizes: Sequence[int],
    spec: BootstrapSpec | None,
    draw: WeightDraw = multiplicities,
) -> tuple[float, float | None, float | None]:
    """``score`` with every sample weighted 1, and (with ``spec``) its interval from
    ``bootstrap_interval`` — the value and CI of any metric written as a weighted score."""
    value = float(score(*(np.ones(n) for n in sizes)))
    if spec is None:
        return value, None, None
    return (value, *bootstrap_interval(score, value, sizes, spec, draw))


def estimate_in_one_pass(
    scores: Callable[..., np.ndarray],
    sizes: Sequence[int],
    spec: BootstrapSpec | None,
    draw: WeightDraw = multiplicities,
) -> tuple[float, float | None, float | None]:
    """``estimate_with_interval`` for a metric that scores every replicate in one pass over
    its data (``scores`` takes one ``[rows, n]`` weight array per set and returns a value
    per row): row 0 weights every sample 1, the others are the same replicates, drawn
    from the same seed, so the value and interval are the same."""
    weights = [np.ones((1, n)) for n in sizes]
    if spec is not None:
        drawn = replicate_weights(sizes, spec, draw)
        weights = [np.vstack([w, d]) for w, d in zip(weights, drawn, strict=True)]
    value, *replicates = scores(*weights)
    if spec is None:
        return float(value), None, None
    return float(value), *recentred_interval(np.array(replicates), value, spec)


def bootstrap_medians(
    samples: Sequence[float], resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """The median of each of ``resamples`` resamples of ``samples`` (with replacement),
    drawn from ``rng``: the one median bootstrap behind latency intervals and speed-ups
    (which draw two sample sets from one generator)."""
    values = np.asarray(samples, np.float64)
    draws = rng.integers(0, len(values), size=(resamples, len(values)))
    return np.median(values[draws], axis=1)


def bootstrap_median_interval(samples: Sequence[float], spec: BootstrapSpec) -> tuple[float, float]:
    """Percentile bootstrap interval of the median of ``samples``."""
    medians = bootstrap_medians(samples, spec.resamples, np.random.default_rng(spec.seed))
    low, high = np.percentile(medians, spec.tails())
    return float(low), float(high)


def order_statistic_median_interval(
    samples: Sequence[float], confidence: float
) -> tuple[float, float]:
    """Distribution-free interval of the median: the order statistics the sign test picks,
    holding the median with probability at least ``confidence`` whatever the distribution
    (with a dozen samples a bootstrap of the median falls short). Too few samples for the
    level give the whole range."""
    ordered = np.sort(np.asarray(samples, np.float64))
    n = len(ordered)
    # [x_(j), x_(n-j+1)] misses the median with probability 2 P(Binomial(n, 1/2) <= j - 1)
    j = 0
    while binom.cdf(j, n, 0.5) <= (1 - confidence) / 2:
        j += 1
    if j == 0:
        return float(ordered[0]), float(ordered[-1])
    return float(ordered[j - 1]), float(ordered[n - j])
