"""BERTScore (Zhang et al., 2020) through the bert-score package.

Per-segment F1 (or P, R) from bert-score's own ``score``, averaged over segments. The
encoder, its layer, idf weighting and baseline rescaling enter the signature; the
label names the encoder unless it is the literature's roberta-large. Scores are
rescaled with the encoder's baseline when it has one (the embedded encoder does:
without it, every score of a small encoder sits within a hair of 1).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from benchbench.extractors.text import TextEncoder
from benchbench.metrics.text.base import SegmentMetric, encoder_or_found, mean_score, mean_stats


class BERTScore(SegmentMetric):
    name = "bertscore"
    version = "1"
    higher_is_better = True
    idf: ClassVar[bool] = False

    def __init__(self, *args: Any, encoder: TextEncoder | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.encoder = encoder_or_found(encoder)
        self.rescale = self.encoder.baseline is not None
        self.label = (
            "BERTScore-F1"
            if not self.encoder.embedded
            else f"BERTScore-F1[{self.encoder.name} L{self.encoder.num_layers}"
            f"{', rescaled' if self.rescale else ''}]"
        )

    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        import bert_score

        _, _, f1 = bert_score.score(
            self.hyps,
            self.refs,
            model_type=self.encoder.model_type,
            num_layers=self.encoder.num_layers,
            idf=self.idf,
            rescale_with_baseline=self.rescale,
            baseline_path=self.encoder.baseline,
            lang="en" if self.rescale else None,  # bert-score asks for it when rescaling
            batch_size=64,
            device="cpu",
            use_fast_tokenizer=True,
        )
        return mean_stats(f1.double().tolist())

    def score(self, totals: np.ndarray) -> float:
        return mean_score(totals)

    def library_signature(self) -> dict[str, Any]:
        from importlib.metadata import version

        return {
            "bert-score": version("bert-score"),
            **self.encoder.identity(),
            "idf": self.idf,
            "rescaled": self.rescale,
            "measure": "f1",
        }
