"""Human-study statistics against independent references: the krippendorff package and
Krippendorff's own worked example, scipy's optimiser, closed forms, and simulations
from known strengths (order recovered; 95% intervals cover about 95% of the time)."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import norm
from scipy.stats import t as student_t

from benchbench.human.stats import (
    PRIOR_SD,
    bradley_terry,
    bt_with_intervals,
    krippendorff_alpha,
    mos_with_intervals,
    win_matrix,
)
from benchbench.metrics.stats import BootstrapSpec

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C:
# 4 observers, 12 units, values 1-5; alpha = 0.743 nominal, 0.815 ordinal, 0.849 interval.
WORKED = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_reproduces_krippendorffs_worked_example(level, published):
    assert krippendorff_alpha(WORKED, level) == pytest.approx(published, abs=5e-4)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alpha_matches_the_krippendorff_package(level, seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=40)
    data = np.where(rng.random((6, 40)) < 0.6, truth, rng.integers(1, 6, size=(6, 40)))
    data = data.astype(np.float64)
    data[rng.random(data.shape) < 0.35] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, rel=1e-9)


def test_alpha_of_binary_choices_matches_the_package():
    """A/B answers are 0/1 per task: the nominal case with two values."""
    rng = np.random.default_rng(3)
    data = (rng.random((5, 30)) < np.linspace(0.1, 0.9, 30)).astype(np.float64)
    data[rng.random(data.shape) < 0.3] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha(data, "nominal") == pytest.approx(expected, rel=1e-9)


def test_alpha_is_undefined_without_variation():
    assert np.isnan(krippendorff_alpha(np.ones((3, 5))))


def test_two_model_bt_is_the_log_odds():
    wins = np.array([[0.0, 30.0], [10.0, 0.0]])
    theta = bradley_terry(wins, prior_sd=None)
    assert theta[0] - theta[1] == pytest.approx(np.log(30 / 10), rel=1e-9)
    assert theta.sum() == pytest.approx(0.0, abs=1e-12)


def test_bt_maximises_the_penalised_likelihood_found_by_scipy():
    rng = np.random.default_rng(0)
    wins = rng.integers(0, 25, size=(5, 5)).astype(np.float64)
    np.fill_diagonal(wins, 0.0)

    def loss(theta):
        diff = theta[:, None] - theta[None, :]
        return (wins * np.logaddexp(0.0, -diff)).sum() + (theta**2).sum() / (2 * PRIOR_SD**2)

    found = minimize(loss, np.zeros(5), method="BFGS", options={"gtol": 1e-10}).x
    assert bradley_terry(wins) == pytest.approx(found - found.mean(), abs=1e-6)


def test_two_model_bt_with_ties_as_half_wins_is_the_closed_form():
    """30 wins, 10 losses, 8 ties: ties count half a win each, so the MLE is
    θ0 − θ1 = log((30 + 4) / (10 + 4))."""
    wins = np.array([[0.0, 30.0 + 8 / 2], [10.0 + 8 / 2, 0.0]])
    theta = bradley_terry(wins, prior_sd=None)
    assert theta[0] - theta[1] == pytest.approx(np.log(34 / 14), rel=1e-9)


def test_bt_with_ties_maximises_the_half_win_likelihood_found_by_scipy():
    """Ties enter the likelihood as Σ_ties ½ log p_ij + ½ log p_ji, scipy maximises that
    written per vote; bradley_terry gets the same from the half-win matrix."""
    rng = np.random.default_rng(4)
    k = 4
    pairs = rng.integers(0, k, size=(300, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    outcome = rng.choice([1.0, 0.0, 0.5], size=len(pairs), p=[0.45, 0.35, 0.2])  # 0.5 = tie
    i, j = pairs.T
    wins = np.zeros((k, k))
    np.add.at(wins, (i, j), outcome)
    np.add.at(wins, (j, i), 1.0 - outcome)

    def loss(theta):
        diff = theta[i] - theta[j]
        return (outcome * np.logaddexp(0.0, -diff) + (1 - outcome) * np.logaddexp(0.0, diff)).sum()

    found = minimize(loss, np.zeros(k), method="BFGS", options={"gtol": 1e-10}).x
    assert bradley_terry(wins, prior_sd=None) == pytest.approx(found - found.mean(), abs=1e-6)


def test_bt_stays_finite_when_a_model_wins_everything_and_batches():
    wins = np.array([[0.0, 20.0, 20.0], [0.0, 0.0, 12.0], [0.0, 8.0, 0.0]])
    theta = bradley_terry(wins)
    assert np.isfinite(theta).all() and np.argsort(-theta).tolist() == [0, 1, 2]
    batch = np.stack([wins, wins.T, wins * 2])
    assert bradley_terry(batch) == pytest.approx(np.stack([bradley_terry(w) for w in batch]))


def test_win_matrix():
    wins = np.array([[0.0, 3.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    rates = win_matrix(wins)
    assert rates[0, 1] == 0.75 and rates[1, 0] == 0.25 and np.isnan(rates[0, 2])


def test_mos_interval_with_one_rating_per_rater_is_the_t_interval():
    """With one rating per rater, the rater bootstrap's standard error tends to s/sqrt(n)
    times sqrt((n-1)/n), which the interval undoes: it must approach mean ± t s/sqrt(n)."""
    rng = np.random.default_rng(0)
    ratings = rng.integers(1, 6, size=30).astype(np.float64)
    mos, low, high = mos_with_intervals(
        ratings[:, None], np.ones((30, 1)), BootstrapSpec(20000, 0.95, 1)
    )
    half = student_t.ppf(0.975, 29) * ratings.std(ddof=1) / np.sqrt(30)
    assert mos[0] == pytest.approx(ratings.mean())
    assert (high - low)[0] / 2 == pytest.approx(half, rel=0.03)


TRUE = np.array([-1.0, -0.3, 0.2, 1.1])  # mean zero, like the fitted strengths


def simulate_ab(seed: int, raters: int, per_rater: int, rater_sd: float) -> np.ndarray:
    """Per-rater wins; each rater's strengths are TRUE plus a personal taste N(0, rater_sd)."""
    rng = np.random.default_rng(seed)
    k = len(TRUE)
    wins = np.zeros((raters, k, k))
    for r in range(raters):
        strengths = TRUE + rng.normal(0.0, rater_sd, k)
        i = rng.integers(0, k, per_rater)
        j = (i + rng.integers(1, k, per_rater)) % k
        i_won = rng.random(per_rater) < 1 / (1 + np.exp(strengths[j] - strengths[i]))
        np.add.at(wins[r], (np.where(i_won, i, j), np.where(i_won, j, i)), 1.0)
    return wins


@pytest.mark.slow
@pytest.mark.parametrize(("raters", "per_rater", "rater_sd"), [(20, 30, 0.0), (40, 15, 0.3)])
def test_bt_recovers_the_order_and_its_intervals_cover(raters, per_rater, rater_sd):
    """300 simulated studies: the fitted order equals the true one in at least 95% of
    them, and each model's 95% interval covers its true strength in 92-98% of them
    (binomial standard error of a 95% rate over 300 studies: 1.3 points)."""
    covered, ordered = [], 0
    for seed in range(300):
        theta, low, high = bt_with_intervals(
            simulate_ab(seed, raters, per_rater, rater_sd), BootstrapSpec(400, 0.95, seed)
        )
        covered.append((low <= TRUE) & (high >= TRUE))
        ordered += np.array_equal(np.argsort(theta), np.argsort(TRUE))
    coverage = np.mean(covered, axis=0)
    assert ordered >= 0.95 * 300
    assert 0.92 <= coverage.mean() <= 0.98, coverage
    assert (coverage >= 0.89).all(), coverage


@pytest.mark.slow
def test_mos_intervals_cover_the_expected_rating():
    """Ratings are round(quality + rater leniency + noise) clipped to 1-5; the expected
    rating of each cell is computed exactly from the normal distribution, and 95%
    intervals must cover it in 92-98% of 300 simulated studies."""
    quality = np.array([1.8, 2.9, 3.4, 4.2])
    lenient, noise = 0.4, 0.8
    spread = np.hypot(lenient, noise)
    levels = np.arange(1, 6)
    edges_low = np.where(levels == 1, -np.inf, levels - 0.5)
    edges_high = np.where(levels == 5, np.inf, levels + 0.5)
    expected = np.array(
        [
            (levels * (norm.cdf(edges_high, q, spread) - norm.cdf(edges_low, q, spread))).sum()
            for q in quality
        ]
    )
    covered = []
    for seed in range(300):
        rng = np.random.default_rng(seed)
        raters, per_cell = 25, 6
        latent = (
            quality[None, :, None]
            + rng.normal(0, lenient, (raters, 1, 1))
            + rng.normal(0, noise, (raters, len(quality), per_cell))
        )
        ratings = np.clip(np.round(latent), 1, 5)
        _, low, high = mos_with_intervals(
            ratings.sum(-1),
            np.full((raters, len(quality)), per_cell),
            BootstrapSpec(400, 0.95, seed),
        )
        covered.append((low <= expected) & (expected <= high))
    coverage = np.mean(covered, axis=0)
    assert 0.92 <= coverage.mean() <= 0.98, coverage
