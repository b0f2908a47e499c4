"""How reliably a setting trains, over its seeds: pure statistics on per-seed histories.

Each figure is one function on plain numbers (numpy float64), tested against an
independent computation; ``stability_measurements`` turns a setting's per-seed histories
into the stability cell's ``Measurement`` rows. Intervals: a percentile bootstrap over
seeds (seeded, so equal inputs give equal intervals) for the median and the gap; for the
spread, normal-theory intervals (the chi-square interval of the seeds' standard deviation;
for the IQR, the one its own sample value gives through the sample IQR / sigma pivot, so
it holds the estimate printed beside it), because with 3 to 5 seeds a bootstrap cannot
reach above the largest resampled spread: its "95%" interval for a std from 3 seeds
ended at the sample std itself; Wilson score intervals for the rates (a
k-of-n share with n as small as 3 needs an interval that stays inside [0, 1] and is not
empty at k = 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy.stats import chi2

from benchbench.catalogue import stability_metric_names
from benchbench.metrics.stats import BootstrapSpec
from benchbench.records import Measurement

VERSION = "3"  # 3: Wilson ends exactly 0 and 1 at none and all; IQR interval by pivot

# A normal distribution's interquartile range in standard deviations (about 1.349).
NORMAL_IQR_PER_STD = 2.0 * NormalDist().inv_cdf(0.75)


@dataclass(frozen=True)
class SeedHistory:
    """One seed's training as the stability figures see it: the quality metric and the
    training seconds at each checkpoint (in step order), and whether the run diverged or
    collapsed."""

    steps: Sequence[int]
    seconds: Sequence[float]
    quality: Sequence[float]
    diverged: bool
    collapsed: bool

    @property
    def final(self) -> float:
        return float(self.quality[-1])


def iqr(values: Sequence[float]) -> float:
    """Interquartile range (numpy's default linear percentiles)."""
    q1, q3 = np.percentile(np.asarray(values, np.float64), [25.0, 75.0])
    return float(q3 - q1)


def std(values: Sequence[float]) -> float:
    """Sample standard deviation (ddof 1): the seeds are a sample of all seeds."""
    return float(np.std(np.asarray(values, np.float64), ddof=1))


def median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, np.float64)))


def bootstrap_over_seeds(
    values: Sequence[float], statistic: Callable[[np.ndarray], float], spec: BootstrapSpec
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of ``statistic`` with the seeds resampled (None without
    resamples)."""
    if spec.resamples == 0:
        return None
    data = np.asarray(values, np.float64)
    rng = np.random.default_rng(spec.seed)
    draws = rng.integers(0, len(data), size=(spec.resamples, len(data)))
    replicates = np.array([statistic(data[row]) for row in draws], np.float64)
    low, high = np.percentile(replicates, spec.tails())
    return float(low), float(high)


def normal_std_interval(values: Sequence[float], confidence: float) -> tuple[float, float]:
    """Interval of the population standard deviation from n >= 2 seeds, assuming seed-to-seed
    variation is normal: (n - 1) s² / σ² follows chi-square with n - 1 degrees of freedom.
    Wide at 3 seeds (0.52 to 6.3 times the sample std at 95%), as it should be."""
    n = len(values)
    tail = (1.0 - confidence) / 2.0
    spread = std(values)
    low = spread * math.sqrt((n - 1) / chi2.ppf(1.0 - tail, n - 1))
    high = spread * math.sqrt((n - 1) / chi2.ppf(tail, n - 1))
    return float(low), float(high)


def wilson_interval(k: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval of a k-of-n share. Its ends at k = 0 and k = n are exactly 0
    and 1; computed, they come out as rounding noise (2.8e-17 at 0 of 5)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    share = k / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def normal_iqr_interval(values: Sequence[float], confidence: float) -> tuple[float, float]:
    """Interval of the population IQR (1.349 sigma) from n >= 2 seeds' sample IQR, assuming
    seed-to-seed variation is normal: sample IQR / sigma then has one distribution for every
    sigma, whose quantiles q give [1.349 IQR / q_high, 1.349 IQR / q_low]. (Scaling the std's
    interval instead gave an interval for the same quantity that could miss the sample IQR:
    20 beside [21.1–101] for 5 seeds.)"""
    tail = (1.0 - confidence) / 2.0
    q_low, q_high = iqr_pivot_quantiles(len(values), tail)
    sample = iqr(values)
    return NORMAL_IQR_PER_STD * sample / q_high, NORMAL_IQR_PER_STD * sample / q_low


@lru_cache(maxsize=64)
def iqr_pivot_quantiles(n: int, tail: float) -> tuple[float, float]:
    """The ``tail`` and ``1 - tail`` quantiles of the sample IQR of n standard normal
    values, from 200,000 seeded draws (no closed form; about 3 significant digits), drawn
    in chunks of about 2 million values so 1,000 seeds need 16 MB at a time, not 1.6 GB
    (the generator's stream is the same however it is cut)."""
    rng, draws = np.random.default_rng(0), 200_000
    rows = max(1, 2_000_000 // n)
    iqrs = []
    for start in range(0, draws, rows):
        q1, q3 = np.percentile(rng.standard_normal((min(rows, draws - start), n)), [25, 75], axis=1)
        iqrs.append(q3 - q1)
    low, high = np.quantile(np.concatenate(iqrs), [tail, 1.0 - tail])
    return float(low), float(high)


def best_last_gaps(histories: Sequence[SeedHistory], higher_is_better: bool) -> list[float]:
    """Per seed, how much worse the last checkpoint is than the best one (≥ 0): how far
    training oscillated away from its best."""
    gaps = []
    for history in histories:
        values = np.asarray(history.quality, np.float64)
        best = values.max() if higher_is_better else values.min()
        gaps.append(float(abs(values[-1] - best)))
    return gaps


def time_to_target(history: SeedHistory, target: float, higher_is_better: bool) -> float:
    """Training seconds to the first checkpoint whose quality reaches ``target`` (inf if
    none does)."""
    for seconds, value in zip(history.seconds, history.quality, strict=True):
        if (value >= target) if higher_is_better else (value <= target):
            return float(seconds)
    return math.inf


def stability_measurements(
    histories: Sequence[SeedHistory],
    quality: str,
    higher_is_better: bool,
    collapse: dict[str, float],
    target: float | None,
    spec: BootstrapSpec,
) -> list[Measurement]:
    """The stability cell's measurements over ``histories`` (one per seed, n ≥ 1); each with
    its interval, n = the number of seeds, and a signature naming the figures' recipe."""
    n = len(histories)
    signature: dict[str, Any] = {
        "stability": VERSION,
        "quality": quality,
        "collapse": collapse,
        "target": target,
        "ci": f"{spec.signature()},percentile-over-seeds,normal-chi2-std,normal-pivot-iqr,wilson",
    }
    names = dict(zip(("median", "std", "iqr"), stability_metric_names(quality)[:3], strict=True))

    def row(
        metric: str,
        value: float,
        interval: tuple[float, float] | None,
        better: bool,
        warnings: tuple[str, ...] = (),
    ) -> Measurement:
        low, high = interval if interval is not None else (None, None)
        return Measurement(
            metric,
            value,
            "stability",
            higher_is_better=better,
            ci_low=low,
            ci_high=high,
            ci_level=spec.confidence if interval is not None else None,
            n=n,
            signature=signature,
            warnings=warnings,
        )

    finals = [h.final for h in histories]
    rows = [
        row(
            names["median"],
            median(finals),
            bootstrap_over_seeds(finals, median, spec),
            higher_is_better,
        )
    ]
    if n >= 2:  # a spread needs two seeds
        low, high = normal_std_interval(finals, spec.confidence)
        rows.append(row(names["std"], std(finals), (low, high), False))
        rows.append(
            row(names["iqr"], iqr(finals), normal_iqr_interval(finals, spec.confidence), False)
        )
    for metric, flags in (
        ("divergence_rate", [h.diverged for h in histories]),
        ("collapse_rate", [h.collapsed for h in histories]),
    ):
        k = sum(flags)
        rows.append(row(metric, k / n, wilson_interval(k, n, spec.confidence), False))
    gaps = best_last_gaps(histories, higher_is_better)
    rows.append(row("best_last_gap", median(gaps), bootstrap_over_seeds(gaps, median, spec), False))
    if target is not None:
        rows.extend(_target_rows(histories, target, higher_is_better, spec, row))
    return rows


def _target_rows(
    histories: Sequence[SeedHistory],
    target: float,
    higher_is_better: bool,
    spec: BootstrapSpec,
    row: Callable[..., Measurement],
) -> list[Measurement]:
    """The share of seeds reaching ``target``, and the median seconds to it, left out (with
    a warning) when it is infinite: when too few seeds reach the target."""
    times = [time_to_target(h, target, higher_is_better) for h in histories]
    k, n = sum(math.isfinite(t) for t in times), len(times)
    middle = median(times)
    if not math.isfinite(middle):
        warning = (
            f"time_to_target_s left out: {k} of {n} seeds reached the target {target:g}, "
            "so the median time is infinite"
        )
        return [
            row(
                "target_reached_rate",
                k / n,
                wilson_interval(k, n, spec.confidence),
                True,
                (warning,),
            )
        ]
    with np.errstate(invalid="ignore"):  # resamples of missing seeds: inf - inf, no interval
        interval = bootstrap_over_seeds(times, median, spec)
    if interval is not None and not all(map(math.isfinite, interval)):
        interval = None  # a resample with too few reaching seeds: no finite interval
    return [
        row("target_reached_rate", k / n, wilson_interval(k, n, spec.confidence), True),
        row("time_to_target_s", middle, interval, False),
    ]
