"""The distribution-free median interval (benchmarks' paired overhead ratios use it):
the sign test's order statistics, checked against the textbook indices and by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchbench.metrics.stats import order_statistic_median_interval


@pytest.mark.parametrize(("n", "low", "high"), [(12, 3, 10), (20, 6, 15), (100, 40, 61)])
def test_picks_the_sign_test_order_statistics(n, low, high):
    # the usual tables (e.g. Conover, Practical Nonparametric Statistics): 1-based ranks
    assert order_statistic_median_interval(np.arange(1.0, n + 1)[::-1], 0.95) == (low, high)


def test_too_few_samples_for_the_level_give_the_whole_range():
    # n = 5: even (min, max) misses the median with probability 2/32 > 5%
    assert order_statistic_median_interval([4.0, 1.0, 3.0, 9.0, 2.0], 0.95) == (1.0, 9.0)


def test_covers_the_median_of_a_skewed_distribution_as_often_as_promised():
    rng = np.random.default_rng(0)
    trials, n = 4000, 12
    hits = sum(
        low <= math.log(2) <= high  # the exponential's median
        for low, high in (
            order_statistic_median_interval(rng.exponential(size=n), 0.95) for _ in range(trials)
        )
    )
    exact = 1 - 2 * 79 / 4096  # 1 - 2 P(Binomial(12, 1/2) <= 2)
    assert abs(hits / trials - exact) < 4 * math.sqrt(exact * (1 - exact) / trials)
