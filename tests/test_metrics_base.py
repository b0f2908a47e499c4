"""The metric base class builds every result; subclasses hold only the arithmetic, and the
signatures they record (hashed into cell keys and baselines) keep their exact content and
key order."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from benchbench.catalogue import METRICS
from benchbench.metrics import Estimate, Metric, MetricInputs, MetricSetup
from benchbench.metrics.features.conditional import conditional_accuracy
from benchbench.metrics.stats import BootstrapSpec

SPEC = BootstrapSpec(20, 0.9, 1)


class Share(Metric):
    """A metric written as its arithmetic only: the share of true observations."""

    name = "share"
    version = "7"
    higher_is_better = True
    unit = "fraction"
    inputs = ()
    bounds = (0.0, 1.0)
    label = "Share"

    def __init__(self, bootstrap: BootstrapSpec | None = None):
        self.bootstrap = bootstrap

    @classmethod
    def create(cls, setup: MetricSetup) -> Share:
        return cls(setup.bootstrap)

    def observe(self, inputs: MetricInputs) -> None:
        pass

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        shared["seen"] = True
        return Estimate(0.9, 0.7, 1.2, n=10, recipe={"rule": "mean", "ci": self.ci_signature()})


def test_the_base_builds_the_result_and_signature_from_the_arithmetic():
    shared: dict[Any, Any] = {}
    result = Share(SPEC).compute(shared)
    assert (result.metric, result.label, result.unit, result.higher_is_better) == (
        "share",
        "Share",
        "fraction",
        True,
    )
    assert (result.value, result.ci_low, result.ci_high, result.n) == (0.9, 0.7, 1.0, 10)
    assert list(result.signature.items()) == [
        ("metric", "share"),
        ("version", "7"),
        ("rule", "mean"),
        ("ci", "boot20,conf0.9,seed1,recentred"),
    ]
    assert shared == {"seen": True}  # the caller's dict reaches the arithmetic
    assert Share().compute().signature["ci"] == "none"


def features_metric(name: str) -> Metric:
    rng = np.random.default_rng(0)
    metric = METRICS.get(name)(
        features={"name": "f", "version": "1"}, reference="r", bootstrap=SPEC
    )
    metric.update(torch.from_numpy(rng.normal(size=(30, 3))), real=True)
    metric.update(torch.from_numpy(rng.normal(size=(20, 3))), real=False)
    return metric


def test_signatures_keep_their_content_and_key_order():
    """One metric per way of writing the interval; a change here changes cell keys."""
    fd = features_metric("fd").compute().signature
    assert list(fd.items()) == [
        ("metric", "fd"),
        ("version", "1"),
        ("features", {"name": "f", "version": "1"}),
        ("reference", "r"),
        ("n_real", 30),
        ("n_fake", 20),
        ("ci", "boot20,conf0.9,seed1,recentred"),
    ]
    recall = features_metric("recall").compute().signature
    assert recall["ci"] == "boot20,conf0.9,seed1,half-sample,recentred"
    assert list(recall)[-3:] == ["k", "distance", "ball"]
    distinct = METRICS.get("distinct-2")(reference="r", bootstrap=SPEC)
    distinct.update(["a b c", "a b d"], ["", ""])
    assert list(distinct.compute().signature.items()) == [
        ("metric", "distinct-2"),
        ("version", "1"),
        ("reference", "r"),
        ("n", 2),  # the n-gram order: the library's entry overrides the segment count
        ("ci", "boot20,conf0.9,seed1,segments,half-sample,recentred"),
        ("tokens", "whitespace"),
    ]
    logits = np.eye(3)[[0, 1, 2, 0]]
    accuracy = conditional_accuracy(logits, np.array([0, 1, 2, 1]), {"name": "c"}, SPEC)
    assert list(accuracy.signature.items()) == [
        ("metric", "cond-accuracy"),
        ("version", "1"),
        ("classifier", {"name": "c"}),
        ("ci", "boot20,conf0.9,seed1"),
        ("n", 4),
    ]
    assert (accuracy.value, accuracy.details) == (0.75, {"chance": 1 / 3})
    plain = conditional_accuracy(logits, np.array([0, 1, 2, 1]), {"name": "c"})
    assert plain.signature["ci"] is None and plain.ci_low is None
