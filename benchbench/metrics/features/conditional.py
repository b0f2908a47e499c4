"""Conditional accuracy: does a classifier read, in each generated sample, the class the
sample was asked for? The controllability measure of class- and prompt-conditional
models on a labelled domain (the digits-CNN reads digits at 99.4% held-out accuracy, so
its misreadings of a sample are mostly the sample's fault). An unconditional model,
given the same requests, scores near chance (1 / number of classes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from benchbench.metrics import Estimate, Metric, MetricInputs, MetricResult, MetricSetup
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval

VERSION = "1"


class PromptMetric(Metric):
    """A metric of a conditional suite: each sample against what it was asked for. Its
    signature records the interval as the bare bootstrap recipe (``None``: no interval),
    as these metrics first stored it."""

    bootstrap: BootstrapSpec | None

    def ci_signature(self) -> str | None:
        return self.bootstrap.signature() if self.bootstrap else None


class ConditionalAccuracy(PromptMetric):
    """``cond-accuracy`` of a conditional suite: the extractor (a classifier such as
    digits-cnn) reads each sample; its class is compared with the prompt's."""

    name = "cond-accuracy"
    version = VERSION
    higher_is_better = True
    bounds = (0.0, 1.0)
    inputs = ("logits", "conditions")

    def __init__(self, classifier: dict[str, Any], bootstrap: BootstrapSpec | None = None):
        self.classifier = classifier
        self.bootstrap = bootstrap
        self._logits: list[torch.Tensor] = []
        self._labels: list[int] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> ConditionalAccuracy:
        return cls(setup.features, setup.bootstrap)

    @property
    def label(self) -> str:
        return f"cond-acc[{self.classifier['name']}]"

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("logits"), [c.label for c in inputs.get("conditions")])

    def update(self, logits: torch.Tensor, labels: list[int]) -> None:
        self._logits.append(logits.detach().double().cpu())
        self._labels.extend(labels)

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        """Share of samples whose arg-max class under the classifier is the intended one,
        with a bootstrap interval over samples."""
        logits = torch.cat(self._logits).numpy()
        intended = np.array(self._labels)
        if logits.ndim != 2 or intended.shape != (len(logits),):
            raise ValueError(
                f"conditional accuracy needs [N, classes] logits and N intended labels; got "
                f"{logits.shape} and {intended.shape}"
            )
        hits = (logits.argmax(axis=1) == intended).astype(np.float64)
        value, low, high = estimate_with_interval(
            lambda w: float(w @ hits / w.sum()), [len(hits)], self.bootstrap
        )
        return Estimate(
            value,
            low,
            high,
            n=len(hits),
            recipe={"classifier": self.classifier, "ci": self.ci_signature(), "n": len(hits)},
            details={"chance": 1.0 / logits.shape[1]},
        )


def conditional_accuracy(
    logits: np.ndarray,
    intended: np.ndarray,
    classifier: dict,
    bootstrap: BootstrapSpec | None = None,
) -> MetricResult:
    """``cond-accuracy`` of ``[N, classes]`` logits read by ``classifier`` (its identity:
    name and weights hash) against the N ``intended`` labels."""
    metric = ConditionalAccuracy(classifier, bootstrap)
    metric.update(torch.as_tensor(np.asarray(logits)), np.asarray(intended).tolist())
    return metric.compute()


def within_prompt_spread(features: np.ndarray, groups: np.ndarray, weights: np.ndarray) -> float:
    """Mean over groups of the (weighted) mean squared distance of a group's samples to
    their centre — half the mean squared pairwise distance — in feature units."""
    spreads = []
    for group in np.unique(groups):
        rows = groups == group
        w, x = weights[rows], features[rows]
        if w.sum() < 2:
            continue
        centre = w @ x / w.sum()
        spreads.append(float(w @ ((x - centre) ** 2).sum(axis=1) / w.sum()))
    return float(np.mean(spreads))


class PromptDiversity(PromptMetric):
    """``prompt-diversity``: how varied the samples asked for the same prompt are, in the
    extractor's features (mean squared distance to the prompt's centre, averaged over
    prompts). Guidance typically buys fidelity to the prompt with this diversity."""

    name = "prompt-diversity"
    version = VERSION
    higher_is_better = True
    inputs = ("features", "conditions")

    def __init__(self, features: dict[str, Any], bootstrap: BootstrapSpec | None = None):
        self.features = features
        self.bootstrap = bootstrap
        self._features: list[torch.Tensor] = []
        self._prompts: list[str] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> PromptDiversity:
        return cls(setup.features, setup.bootstrap)

    @property
    def label(self) -> str:
        return f"prompt-div[{self.features['name']}]"

    def observe(self, inputs: MetricInputs) -> None:
        self._features.append(inputs.get("features").detach().double().cpu())
        self._prompts.extend(c.text for c in inputs.get("conditions"))

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        x = torch.cat(self._features).numpy()
        groups = np.array(self._prompts)
        value, low, high = estimate_with_interval(
            lambda w: within_prompt_spread(x, groups, w), [len(x)], self.bootstrap
        )
        return Estimate(
            value,
            low,
            high,
            n=len(x),
            recipe={
                "features": self.features,
                "statistic": "mean over prompts of mean squared distance to the prompt centre",
                "ci": self.ci_signature(),
                "n": len(x),
            },
        )
