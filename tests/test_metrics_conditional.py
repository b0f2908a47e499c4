"""Conditional accuracy against closed forms, and on the real digits with the real
classifier: true labels score its held-out accuracy, shuffled labels score near chance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.metrics.features.conditional import conditional_accuracy
from benchbench.metrics.stats import BootstrapSpec

CLASSIFIER = {"name": "test", "weights_sha256": "none"}


def test_value_is_the_share_of_arg_max_hits():
    logits = np.eye(4)[[0, 1, 2, 3, 0]] + 0.1  # predicts 0, 1, 2, 3, 0
    result = conditional_accuracy(logits, np.array([0, 1, 3, 3, 1]), CLASSIFIER)
    assert result.value == pytest.approx(3 / 5)
    assert result.details["chance"] == pytest.approx(1 / 4)
    assert result.n == 5 and result.ci_low is None and result.label == "cond-acc[test]"


def test_interval_is_a_seeded_bootstrap_around_the_value():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(400, 10))
    intended = np.where(rng.random(400) < 0.7, logits.argmax(1), (logits.argmax(1) + 1) % 10)
    spec = BootstrapSpec(resamples=400, confidence=0.95, seed=1)
    result = conditional_accuracy(logits, intended, CLASSIFIER, spec)
    p = result.value
    half_width = 1.96 * np.sqrt(p * (1 - p) / 400)  # normal approximation of a proportion
    assert result.ci_low == pytest.approx(p - half_width, abs=0.015)
    assert result.ci_high == pytest.approx(p + half_width, abs=0.015)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"\[N, classes\] logits and N intended labels"):
        conditional_accuracy(np.zeros((3, 10)), np.zeros(4), CLASSIFIER)


def test_real_digits_score_the_classifiers_accuracy_and_shuffled_labels_chance():
    from benchbench.data.digits import load_digits
    from benchbench.nets.checkpoint import load_checkpoint
    from benchbench.zoo import card, weights_path

    images, labels = load_digits("test")
    with torch.no_grad():
        logits = load_checkpoint(weights_path("digits-cnn")).build()(images).numpy()
    right = conditional_accuracy(logits, labels.numpy(), CLASSIFIER)
    assert right.value == pytest.approx(card("digits-cnn")["held_out_accuracy"], abs=1e-3)
    shuffled = np.random.default_rng(0).permutation(labels.numpy())
    assert conditional_accuracy(logits, shuffled, CLASSIFIER).value == pytest.approx(0.1, abs=0.05)


def test_within_prompt_spread_is_half_the_mean_squared_pairwise_distance():
    from benchbench.metrics.features.conditional import within_prompt_spread

    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 5))
    groups = np.array(["a"] * 12 + ["b"] * 18)
    expected = []
    for g in ("a", "b"):
        rows = x[groups == g]
        pair = ((rows[:, None] - rows[None]) ** 2).sum(-1)
        expected.append(pair.sum() / (2 * len(rows) ** 2))  # including i == j, as a V-statistic
    assert within_prompt_spread(x, groups, np.ones(30)) == pytest.approx(np.mean(expected))
    doubled = within_prompt_spread(x, groups, np.where(groups == "a", 2.0, 1.0))
    assert doubled == pytest.approx(np.mean(expected))  # equal weights within a group: same
