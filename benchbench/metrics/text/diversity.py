"""Diversity of the generated texts among themselves (no references).

distinct-n (Li et al., 2016): distinct n-grams over all n-grams of all generations,
on whitespace tokens. self-BLEU (Zhu et al., 2018): each generation's BLEU against
all the others as references, averaged; high means the samples repeat each other.
For distinct-n the per-segment statistics are the n-gram count and a 0/1 presence row
per distinct n-gram, so a replicate's distinct count is exact. Its replicates are
half-samples: a bootstrap's repeated segments would count as repetition and pull every
replicate down. self-BLEU's interval resamples the per-generation scores (the
references stay the full set).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import numpy as np

from benchbench.metrics import MetricInputs
from benchbench.metrics.text.base import SegmentMetric, mean_score, mean_stats


def ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


class DiversityMetric(SegmentMetric):
    inputs = ("texts",)

    def observe(self, inputs: MetricInputs) -> None:
        texts = inputs.get("texts")
        self.update(texts, texts)


class DistinctN(DiversityMetric):
    name, label = "distinct-1", "distinct-1"
    version = "1"
    higher_is_better = True
    order: ClassVar[int] = 1
    resampling = "half-sample"
    bounds = (0.0, 1.0)

    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        counts = [ngrams(text.split(), self.order) for text in self.hyps]
        vocab = {g: i for i, g in enumerate(dict.fromkeys(g for c in counts for g in c))}
        stats = np.zeros((len(counts), 1 + len(vocab)))
        for row, c in enumerate(counts):
            stats[row, 0] = sum(c.values())
            stats[row, [1 + vocab[g] for g in c]] = 1.0
        return stats

    def score(self, totals: np.ndarray) -> float:
        return float(np.count_nonzero(totals[1:]) / totals[0]) if totals[0] else 0.0

    def library_signature(self) -> dict[str, Any]:
        return {"n": self.order, "tokens": "whitespace"}


class Distinct2(DistinctN):
    name, label, order = "distinct-2", "distinct-2", 2


class Distinct3(DistinctN):
    name, label, order = "distinct-3", "distinct-3", 3


class SelfBLEU(DiversityMetric):
    name, label = "self-bleu", "self-BLEU"
    version = "1"
    higher_is_better = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from sacrebleu.metrics import BLEU

        self.bleu = BLEU(effective_order=True)

    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        texts = self.hyps
        if len(texts) < 2:
            raise ValueError("self-BLEU needs at least two generations")
        return mean_stats(
            [
                self.bleu.sentence_score(text, texts[:i] + texts[i + 1 :]).score
                for i, text in enumerate(texts)
            ]
        )

    def score(self, totals: np.ndarray) -> float:
        return mean_score(totals)

    def library_signature(self) -> dict[str, Any]:
        return {"sacrebleu": str(self.bleu.get_signature()), "references": "all other samples"}
