"""ROUGE-1/2/L/Lsum through rouge-score, and ROUGE-S (skip-bigrams), which it lacks.

Each is the mean over segments of the per-segment F-measure (rouge-score's convention;
its ``BootstrapAggregator`` reports the same mean). ROUGE-S follows Lin (2004), section
5: a skip-bigram is any in-order pair of words; with ``max_gap`` set, at most that many
words may lie between the pair (ROUGE-1.5.5's ``-2 d``; ``max_gap=0`` counts plain
bigrams). Matches are clipped counts, and
``R = matches / pairs(reference)``, ``P = matches / pairs(candidate)``,
``F = (1 + β²) R P / (R + β² P)``. Words are rouge-score's tokens (lower-cased,
alphanumeric), so ROUGE-S with ``max_gap=0`` equals rouge-score's ROUGE-2.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from benchbench.metrics.text.base import SegmentMetric, mean_score, mean_stats


class RougeScoreMetric(SegmentMetric):
    version = "1"
    higher_is_better = True
    rouge_type: ClassVar[str]
    use_stemmer: ClassVar[bool] = False

    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        key = ("rouge-score", self.use_stemmer, tuple(self.hyps), tuple(self.refs))
        if key not in shared:
            from rouge_score.rouge_scorer import RougeScorer

            scorer = RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], self.use_stemmer)
            shared[key] = [scorer.score(r, h) for h, r in zip(self.hyps, self.refs, strict=True)]
        return mean_stats([s[self.rouge_type].fmeasure for s in shared[key]])

    def score(self, totals: np.ndarray) -> float:
        return mean_score(totals)

    def library_signature(self) -> dict[str, Any]:
        from importlib.metadata import version

        return {
            "rouge-score": version("rouge-score"),
            "type": self.rouge_type,
            "stemmer": self.use_stemmer,
            "measure": "f",
        }


class Rouge1(RougeScoreMetric):
    name, label, rouge_type = "rouge1", "ROUGE-1", "rouge1"


class Rouge2(RougeScoreMetric):
    name, label, rouge_type = "rouge2", "ROUGE-2", "rouge2"


class RougeL(RougeScoreMetric):
    name, label, rouge_type = "rouge-l", "ROUGE-L", "rougeL"


class RougeLsum(RougeScoreMetric):
    name, label, rouge_type = "rouge-lsum", "ROUGE-Lsum", "rougeLsum"


def skip_bigrams(tokens: Sequence[str], max_gap: int | None = None) -> Counter[tuple[str, str]]:
    """In-order word pairs with at most ``max_gap`` words between them (None: any gap)."""
    pairs: Counter[tuple[str, str]] = Counter()
    for i, first in enumerate(tokens):
        stop = len(tokens) if max_gap is None else min(len(tokens), i + max_gap + 2)
        for j in range(i + 1, stop):
            pairs[(first, tokens[j])] += 1
    return pairs


def rouge_s(
    candidate: Sequence[str],
    reference: Sequence[str],
    max_gap: int | None = None,
    beta: float = 1.0,
) -> tuple[float, float, float]:
    """(precision, recall, F) of skip-bigram co-occurrence (Lin 2004, eq. 12-14)."""
    cand, ref = skip_bigrams(candidate, max_gap), skip_bigrams(reference, max_gap)
    matches = sum((cand & ref).values())
    if matches == 0:
        return 0.0, 0.0, 0.0
    precision = matches / sum(cand.values())
    recall = matches / sum(ref.values())
    f = (1 + beta**2) * recall * precision / (recall + beta**2 * precision)
    return precision, recall, f


class RougeS(SegmentMetric):
    """ROUGE-S with any gap (``rouge-s``) or with ``max_gap`` words at most (``rouge-s4``)."""

    name, label = "rouge-s", "ROUGE-S"
    version = "1"
    higher_is_better = True
    max_gap: ClassVar[int | None] = None
    beta: ClassVar[float] = 1.0

    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        from rouge_score.tokenizers import DefaultTokenizer

        tokenize = DefaultTokenizer(use_stemmer=False).tokenize
        return mean_stats(
            [
                rouge_s(tokenize(h), tokenize(r), self.max_gap, self.beta)[2]
                for h, r in zip(self.hyps, self.refs, strict=True)
            ]
        )

    def score(self, totals: np.ndarray) -> float:
        return mean_score(totals)

    def library_signature(self) -> dict[str, Any]:
        return {
            "max_gap": self.max_gap,
            "beta": self.beta,
            "tokens": "rouge-score",
            "measure": "f",
        }


class RougeS4(RougeS):
    name, label, max_gap = "rouge-s4", "ROUGE-S4", 4
