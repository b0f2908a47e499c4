"""Perplexity of the model itself on held-out text: per token, per word, bits per byte.

Every segment (a passage of the held-out data, or a line of ``bench score perplexity``'s
file) is scored on its own by the adapter's ``log_likelihood`` — sliding windows of
the model's context advancing by ``stride`` for long segments. The segments' summed
log-probabilities and counts give the corpus figures:
``exp(-Σ logp / Σ tokens)``, ``exp(-Σ logp / Σ words)`` (whitespace words) and
``-Σ logp / (Σ UTF-8 bytes · ln 2)``. Only the per-word and per-byte figures compare
models with different tokenizers, and only because each adapter scores the exact text
(an n-gram spells its unseen words rather than predicting one ``<unk>``); the signature
names the tokenizer and how it covers unseen text (``unseen``) either way.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from benchbench.metrics import MetricInputs, MetricSetup, MetricSetupError
from benchbench.metrics.stats import BootstrapSpec
from benchbench.metrics.text.base import SegmentMetric

# Key in ``shared`` of the log-likelihoods by (model, stride, text). An evaluator that
# passes one such dict to every cell of a run lets the cells of one model share them.
LIKELIHOODS = "perplexity:likelihoods"


class SegmentLikelihoods:
    """Per-segment ``[logprob, tokens, words, bytes]`` of a model, plus its notes."""

    def __init__(self, model: Any, segments: list[str], stride: int | None):
        if not hasattr(model, "log_likelihood"):
            raise MetricSetupError(
                f"perplexity needs a language model with log_likelihood; "
                f"{type(model).__name__} has none"
            )
        results = [model.log_likelihood(s, stride) for s in segments]
        self.stats = np.array(
            [
                [r.logprob, r.tokens, len(s.split()), len(s.encode())]
                for r, s in zip(results, segments, strict=True)
            ],
            np.float64,
        )
        first = results[0]
        self.identity = {
            "tokenizer": first.tokenizer,
            "window": first.window,
            "stride": first.stride,
            "unseen": first.unseen,
        }
        self.notes = first.notes


class Perplexity(SegmentMetric):
    """Per token (the model's own tokens)."""

    name, label = "perplexity", "PPL/token"
    version = "1"
    higher_is_better = False
    inputs = ("model", "heldout")
    column: ClassVar[int] = 1  # which count divides the log-probability
    per: ClassVar[str] = "token"

    def __init__(
        self, reference: str = "", bootstrap: BootstrapSpec | None = None, stride: int | None = None
    ):
        super().__init__(reference, bootstrap)
        self.stride = stride
        self.model: Any = None
        self.model_fingerprint = ""  # "" when unknown (then: this object)
        self.likelihoods: SegmentLikelihoods | None = None

    @classmethod
    def create(cls, setup: MetricSetup) -> Perplexity:
        return cls(reference=setup.reference, bootstrap=setup.bootstrap)

    def observe(self, inputs: MetricInputs) -> None:
        self.update_model(inputs.get("model"), inputs.get("heldout"))
        self.model_fingerprint = inputs.get("model_fingerprint")

    def update_model(self, model: Any, segments: list[str]) -> None:
        if not segments:
            raise ValueError(f"{self.name}: no text to score")
        self.model = model
        self.hyps = list(segments)

    def segment_stats(self, shared: dict[Any, Any]) -> np.ndarray:
        cache = shared.setdefault(LIKELIHOODS, {})
        key = (self.model_fingerprint or id(self.model), self.stride, tuple(self.hyps))
        if key not in cache:
            cache[key] = SegmentLikelihoods(self.model, self.hyps, self.stride)
        self.likelihoods = cache[key]
        return self.likelihoods.stats

    def score(self, totals: np.ndarray) -> float:
        return math.exp(-totals[0] / totals[self.column])

    def library_signature(self) -> dict[str, Any]:
        identity = self.likelihoods.identity if self.likelihoods else {}
        return {**identity, "per": self.per}

    def warnings(self) -> tuple[str, ...]:
        return self.likelihoods.notes if self.likelihoods else ()


class PerplexityPerWord(Perplexity):
    name, label, column, per = "perplexity-word", "PPL/word", 2, "word"


class BitsPerByte(Perplexity):
    name, label, column, per = "bits-per-byte", "bits/byte", 3, "byte"
    unit = "bits"

    def score(self, totals: np.ndarray) -> float:
        return -totals[0] / totals[3] / math.log(2)
