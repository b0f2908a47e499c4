"""Segment metrics: per-segment sufficient statistics, summed, then turned into a score.

sacrebleu's design: a corpus BLEU is a function of summed per-sentence counts, so the
bootstrap resamples segments by re-weighting their statistics (no re-tokenising), and
the point estimate with all weights 1 is exactly the library's corpus score. A mean
of per-segment scores (ROUGE, BERTScore) is the special case ``[score, 1]``.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np

from benchbench.extractors.text import TextEncoder, find_encoder
from benchbench.extractors.weights_files import MissingWeightsError
from benchbench.metrics import Metric, MetricInputs, MetricResult, MetricSetup, MetricSetupError
from benchbench.metrics.stats import RESAMPLING, BootstrapSpec, estimate_with_interval


def encoder_or_found(encoder: TextEncoder | None) -> TextEncoder:
    """``encoder``, else the best text encoder on disk; none at all means the metric
    cannot run here (a setup error, which names the missing weights)."""
    try:
        return encoder or find_encoder()
    except MissingWeightsError as exc:
        raise MetricSetupError(str(exc)) from None


def check_pairs(name: str, hyps: list[str], refs: list[str]) -> None:
    if len(hyps) != len(refs):
        raise ValueError(
            f"{name}: {len(hyps)} hypotheses but {len(refs)} references (one each per segment)"
        )


class SegmentMetric(Metric):
    """Generated texts scored against their references, segment by segment."""

    inputs: ClassVar[tuple[str, ...]] = ("texts", "references")
    label: ClassVar[str]
    resampling: ClassVar[str] = "bootstrap"  # or "half-sample" (see metrics.stats)
    bounds: ClassVar[tuple[float, float]] = (-np.inf, np.inf)  # the interval is clipped to it

    def __init__(self, reference: str = "", bootstrap: BootstrapSpec | None = None):
        self.reference = reference
        self.bootstrap = bootstrap
        self.hyps: list[str] = []
        self.refs: list[str] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> SegmentMetric:
        return cls(reference=setup.reference, bootstrap=setup.bootstrap)

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("texts"), inputs.get("references"))

    def update(self, hyps: list[str], refs: list[str]) -> None:
        check_pairs(self.name, hyps, refs)
        self.hyps.extend(hyps)
        self.refs.extend(refs)

    @abstractmethod
    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        """``[N, K]`` float64: each segment's sufficient statistics."""

    @abstractmethod
    def score(self, totals: np.ndarray) -> float:
        """The metric from (weighted) sums of the statistics."""

    def library_signature(self) -> dict[str, Any]:
        """The implementation's own recipe (e.g. sacrebleu's signature string)."""
        return {}

    def warnings(self) -> tuple[str, ...]:
        return ()

    def compute(self, shared: dict[Any, Any] | None = None) -> MetricResult:
        if not self.hyps:
            raise RuntimeError(f"{self.name}: compute() before any update()")
        stats = np.asarray(self.segment_stats({} if shared is None else shared), np.float64)
        value, ci_low, ci_high = estimate_with_interval(
            lambda w: self.score(w @ stats),
            (len(stats),),
            self.bootstrap,
            RESAMPLING[self.resampling],
        )
        if ci_low is not None:
            ci_low, ci_high = np.clip([ci_low, ci_high], *self.bounds).tolist()
        return MetricResult(
            metric=self.name,
            label=self.label,
            value=float(value),
            ci_low=ci_low,
            ci_high=ci_high,
            n=len(stats),
            unit=self.unit,
            higher_is_better=self.higher_is_better,
            signature={
                "metric": self.name,
                "version": self.version,
                "reference": self.reference,
                "n": len(stats),
                "ci": "none"
                if self.bootstrap is None
                else f"{self.bootstrap.signature()},segments,{self.resampling},recentred",
                **self.library_signature(),
            },
            warnings=self.warnings(),
        )


def mean_stats(scores: list[float]) -> np.ndarray:
    """Statistics whose weighted sums give a weighted mean: ``[score, 1]`` per segment."""
    return np.column_stack([np.asarray(scores, np.float64), np.ones(len(scores))])


def mean_score(totals: np.ndarray) -> float:
    return float(totals[0] / totals[1])
