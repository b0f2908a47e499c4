"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))), computed on
``splits`` disjoint splits of the samples and reported as the mean over splits, with
the split std beside it — as torch-fidelity computes it (same shuffle, same split
bounds, float64), so equal logits and seed give an equal score.

On Inception-v3's logits it is the literature's IS; on another classifier's logits it
is named IS[extractor] (e.g. IS[digits-cnn], over the 10 digit classes, at most 10).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from benchbench.metrics import Estimate, Metric, MetricInputs, MetricSetup
from benchbench.metrics.features.base import metric_label
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval

DEFAULT_SPLITS = 10
TORCH_FIDELITY_SEED = 2020  # torch-fidelity's default shuffle seed
MIN_PER_SPLIT = 1000


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def split_bounds(n: int, splits: int) -> list[tuple[int, int]]:
    return [(i * n // splits, (i + 1) * n // splits) for i in range(splits)]


class _Prepared:
    """Probabilities and log-probabilities in shuffled order, and the split bounds."""

    def __init__(self, logits: np.ndarray, splits: int, seed: int):
        order = np.random.RandomState(seed).permutation(len(logits))
        self.log_p = _log_softmax(np.asarray(logits, np.float64)[order])
        self.p = np.exp(self.log_p)
        self.order = order
        self.bounds = split_bounds(len(logits), splits)

    def split_scores(self, weights: np.ndarray) -> np.ndarray:
        """IS of each split, each sample counted ``weights[i]`` times (original order)."""
        w = weights[self.order]
        scores = []
        for start, stop in self.bounds:
            p, log_p, ws = self.p[start:stop], self.log_p[start:stop], w[start:stop]
            # a resample that draws no sample of a split gives it no value (NaN), which the
            # interval reports as such; no division warning on the way
            with np.errstate(divide="ignore", invalid="ignore"):
                marginal = ws @ p / ws.sum()
                kl = (p * (log_p - np.log(marginal))).sum(axis=1)
                scores.append(np.exp(ws @ kl / ws.sum()))
        return np.array(scores)


def inception_score(
    logits: np.ndarray, splits: int = DEFAULT_SPLITS, seed: int = TORCH_FIDELITY_SEED
) -> tuple[float, float]:
    """IS mean and std over ``splits`` of ``[N, classes]`` logits (float64)."""
    scores = _Prepared(logits, splits, seed).split_scores(np.ones(len(logits)))
    return float(scores.mean()), float(scores.std())


class InceptionScore(Metric):
    """``is`` on the extractor's logits; the interval is a bootstrap over samples, each
    replicate re-weighting the same splits."""

    name = "is"
    label_prefix: ClassVar[str] = "IS"
    version = "1"
    higher_is_better = True
    inputs = ("logits",)

    def __init__(
        self,
        features: dict[str, Any],
        bootstrap: BootstrapSpec | None = None,
        splits: int = DEFAULT_SPLITS,
        seed: int = TORCH_FIDELITY_SEED,
    ):
        self.features = features
        self.bootstrap = bootstrap
        self.splits = splits
        self.seed = seed
        self._logits: list[torch.Tensor] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> InceptionScore:
        return cls(features=setup.features, bootstrap=setup.bootstrap, seed=setup.seed)

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("logits"))

    def update(self, logits: torch.Tensor) -> None:
        if logits.ndim != 2:
            raise ValueError(f"is: logits must be [N, classes], got {tuple(logits.shape)}")
        self._logits.append(logits.detach().double().cpu())

    @property
    def label(self) -> str:
        return metric_label(self.label_prefix, ("IS",), self.features["name"])

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        if not self._logits:
            raise RuntimeError("is: compute() needs logits")
        logits = torch.cat(self._logits).numpy()
        n = len(logits)
        if n < 2 * self.splits:
            raise ValueError(f"is: {n} samples are too few for {self.splits} splits")
        prepared = _Prepared(logits, self.splits, self.seed)
        value, ci_low, ci_high = estimate_with_interval(
            lambda w: float(prepared.split_scores(w).mean()), (n,), self.bootstrap
        )
        split_std = float(prepared.split_scores(np.ones(n)).std())  # the literature's "± std"
        per_split = n // self.splits
        warnings = (
            (
                f"IS with {per_split} samples per split (the convention is 5,000 per split, "
                f"50,000 in all); IS moves with N, so compare only at equal N",
            )
            if per_split < MIN_PER_SPLIT
            else ()
        )
        return Estimate(
            value,
            ci_low,
            ci_high,
            n=n,
            recipe={
                "features": self.features,
                "n_fake": n,
                "splits": self.splits,
                "shuffle_seed": self.seed,
                "ci": self.ci_signature(),
            },
            warnings=warnings,
            details={"std": split_std},
        )
