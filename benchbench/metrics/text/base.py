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
from benchbench.metrics import Estimate, Metric, MetricInputs, MetricSetup, MetricSetupError
from benchbench.metrics.stats import RESAMPLING, BootstrapSpec, estimate_with_interval


def encoder_or_found(encoder: TextEncoder | None) -> TextEncoder:
    """``encoder``, else the best text encoder on disk; none at all means the metric
    cannot run here (a setup error, which names the missing weights)."""
    try:
        return encoder or find_encoder()
    except MissingWeightsError as exc:
        raise MetricSetupError(str(exc)) from None


class TextPairMetric(Metric):
    """Generated texts and their references, collected pair by pair (one per segment)."""

    inputs: ClassVar[tuple[str, ...]] = ("texts", "references")

    def __init__(self, reference: str = "", bootstrap: BootstrapSpec | None = None):
        self.reference = reference
        self.bootstrap = bootstrap
        self.hyps: list[str] = []
        self.refs: list[str] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> TextPairMetric:
        return cls(reference=setup.reference, bootstrap=setup.bootstrap)

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("texts"), inputs.get("references"))

    def update(self, hyps: list[str], refs: list[str]) -> None:
        if len(hyps) != len(refs):
            raise ValueError(
                f"{self.name}: {len(hyps)} hypotheses but {len(refs)} references "
                f"(one each per segment)"
            )
        self.hyps.extend(hyps)
        self.refs.extend(refs)


class SegmentMetric(TextPairMetric):
    """Generated texts scored against their references, segment by segment."""

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

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        if not self.hyps:
            raise RuntimeError(f"{self.name}: compute() before any update()")
        stats = np.asarray(self.segment_stats(shared), np.float64)
        value, ci_low, ci_high = estimate_with_interval(
            lambda w: self.score(w @ stats),
            (len(stats),),
            self.bootstrap,
            RESAMPLING[self.resampling],
        )
        return Estimate(
            value,
            ci_low,
            ci_high,
            n=len(stats),
            recipe={
                "reference": self.reference,
                "n": len(stats),
                "ci": self.ci_signature(),
                **self.library_signature(),
            },
            warnings=self.warnings(),
        )

    def ci_signature(self) -> str | None:
        """Segments are resampled, by the scheme named even when it is the bootstrap."""
        if self.bootstrap is None:
            return "none"
        return f"{self.bootstrap.signature()},segments,{self.resampling},recentred"


def mean_stats(scores: list[float]) -> np.ndarray:
    """Statistics whose weighted sums give a weighted mean: ``[score, 1]`` per segment."""
    return np.column_stack([np.asarray(scores, np.float64), np.ones(len(scores))])


def mean_score(totals: np.ndarray) -> float:
    return float(totals[0] / totals[1])
