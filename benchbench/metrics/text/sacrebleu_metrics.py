"""BLEU, chrF and TER through sacrebleu, with its signature stored verbatim.

Per-segment statistics come from sacrebleu's own extraction and the score from its own
stats → score function, so the corpus value equals ``corpus_score`` exactly.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from benchbench.metrics.text.base import SegmentMetric


class SacreMetric(SegmentMetric):
    version = "1"
    factory: ClassVar[str]  # sacrebleu.metrics class name

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        import sacrebleu.metrics

        self.metric = getattr(sacrebleu.metrics, self.factory)()

    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        return np.asarray(
            self.metric._extract_corpus_statistics(self.hyps, [self.refs]), np.float64
        )

    def score(self, totals: np.ndarray) -> float:
        return float(self.metric._compute_score_from_stats(list(totals)).score)

    def library_signature(self) -> dict[str, Any]:
        return {"sacrebleu": str(self.metric.get_signature())}


class BLEU(SacreMetric):
    name = "bleu"
    label = "BLEU"
    factory = "BLEU"
    higher_is_better = True


class ChrF(SacreMetric):
    name = "chrf"
    label = "chrF2"
    factory = "CHRF"
    higher_is_better = True


class TER(SacreMetric):
    name = "ter"
    label = "TER"
    factory = "TER"
    higher_is_better = False
