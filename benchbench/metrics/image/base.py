"""Metrics that compare generated samples with a reference set in a feature space."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
import torch

from benchbench.metrics import Metric, MetricResult
from benchbench.metrics.stats import BootstrapSpec, bootstrap_interval


class FeatureMetric(Metric):
    """Streaming state: the reference ("real") and generated ("fake") feature rows.

    Features are kept (as float32) rather than reduced to running sums, because the
    bootstrap interval re-weights individual samples. Statistics run in float64.
    Subclasses define ``prepare`` (costly work done once) and ``score`` (a value
    under per-sample weights; all-ones weights give the point estimate).
    """

    label_prefix: ClassVar[str]

    def __init__(
        self,
        features: dict[str, Any],
        reference: str,
        bootstrap: BootstrapSpec | None = None,
    ):
        self.features = features
        self.reference = reference
        self.bootstrap = bootstrap
        self._real: list[torch.Tensor] = []
        self._fake: list[torch.Tensor] = []

    def update(self, features: torch.Tensor, real: bool) -> None:
        if features.ndim != 2:
            raise ValueError(f"{self.name}: features must be [N, D], got {tuple(features.shape)}")
        (self._real if real else self._fake).append(features.detach().float().cpu())

    def hparams(self) -> dict[str, Any]:
        """Hyperparameters that change the value; they enter the signature."""
        return {}

    def warnings(self, real: np.ndarray, fake: np.ndarray) -> list[str]:
        return []

    @abstractmethod
    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        """Work shared by the estimate and every bootstrap replicate."""

    @abstractmethod
    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        """The metric with each sample counted ``weight`` times."""

    def compute(self) -> MetricResult:
        if not self._real or not self._fake:
            raise RuntimeError(f"{self.name}: compute() needs both real and generated features")
        real = torch.cat(self._real).double().numpy()
        fake = torch.cat(self._fake).double().numpy()
        if real.shape[1] != fake.shape[1]:
            raise ValueError(
                f"{self.name}: feature sizes differ ({real.shape[1]} vs {fake.shape[1]})"
            )
        prepared = self.prepare(real, fake)
        value = self.score(prepared, np.ones(len(real)), np.ones(len(fake)))
        ci_low = ci_high = None
        if self.bootstrap is not None:
            ci_low, ci_high = bootstrap_interval(
                lambda wr, wf: self.score(prepared, wr, wf),
                value,
                len(real),
                len(fake),
                self.bootstrap,
            )
        return MetricResult(
            metric=self.name,
            label=f"{self.label_prefix}[{self.features['name']}]",
            value=float(value),
            ci_low=ci_low,
            ci_high=ci_high,
            n=len(fake),
            unit=self.unit,
            higher_is_better=self.higher_is_better,
            signature=self.signature(len(real), len(fake)),
            warnings=tuple(self.warnings(real, fake)),
        )

    def signature(self, n_real: int, n_fake: int) -> dict[str, Any]:
        return {
            "metric": self.name,
            "version": self.version,
            "features": self.features,
            "reference": self.reference,
            "n_real": n_real,
            "n_fake": n_fake,
            "ci": f"{self.bootstrap.signature()},recentred" if self.bootstrap else "none",
            **self.hparams(),
        }
