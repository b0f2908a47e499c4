"""MAUVE (Pillutla et al., 2021) through the mauve-text package, on our encoder's features.

Generations and references are embedded by the text encoder (mean of its last layer
over tokens) and handed to ``mauve.compute_mauve`` as features, with its defaults
(k-means into n/10 buckets after PCA, scaling factor 5) and the suite's seed. The
interval re-runs MAUVE on bootstrap resamples of the segment pairs; k-means makes a
replicate costly, so at most ``MAX_RESAMPLES`` run, and the signature says how many.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from benchbench.extractors.text import TextEncoder
from benchbench.metrics import Estimate, MetricSetup
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval
from benchbench.metrics.text.base import TextPairMetric, encoder_or_found

MAX_RESAMPLES = 20


@functools.cache
def _load(model_type: str) -> tuple[Any, Any]:
    """Tokenizer and model, read from disk once: ``compute`` embeds two sets with them."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_type, local_files_only=True)
    return tokenizer, AutoModel.from_pretrained(model_type, local_files_only=True).eval()


def embed(encoder: TextEncoder, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Mean-pooled last-layer features, float64 ``[N, D]``."""
    tokenizer, model = _load(encoder.model_type)
    rows = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            texts[start : start + batch_size], padding=True, truncation=True, return_tensors="pt"
        )
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state.double()
        mask = batch["attention_mask"].unsqueeze(-1).double()
        rows.append((hidden * mask).sum(1) / mask.sum(1))
    return torch.cat(rows).numpy()


def mauve_score(p: np.ndarray, q: np.ndarray, seed: int) -> float:
    import mauve

    return float(mauve.compute_mauve(p_features=p, q_features=q, seed=seed, verbose=False).mauve)


class MAUVE(TextPairMetric):
    name = "mauve"
    version = "1"
    higher_is_better = True
    bounds = (0.0, 1.0)

    def __init__(
        self,
        reference: str = "",
        bootstrap: BootstrapSpec | None = None,
        seed: int = 25,
        encoder: TextEncoder | None = None,
    ):
        super().__init__(reference, bootstrap)
        self.seed = seed
        self.encoder = encoder_or_found(encoder)

    @classmethod
    def create(cls, setup: MetricSetup) -> MAUVE:
        return cls(setup.reference, setup.bootstrap, seed=setup.seed)

    @property
    def label(self) -> str:
        return "MAUVE" if not self.encoder.embedded else f"MAUVE[{self.encoder.name}]"

    def interval_spec(self) -> BootstrapSpec | None:
        """The suite's bootstrap with at most ``MAX_RESAMPLES`` replicates."""
        if self.bootstrap is None:
            return None
        return BootstrapSpec(
            min(self.bootstrap.resamples, MAX_RESAMPLES),
            self.bootstrap.confidence,
            self.bootstrap.seed,
        )

    def ci_signature(self) -> str | None:
        spec = self.interval_spec()
        return "none" if spec is None else f"{spec.signature()},segments,recentred"

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        if len(self.hyps) < 20:
            raise ValueError(f"MAUVE needs at least 20 segments to quantise, got {len(self.hyps)}")
        p, q = embed(self.encoder, self.refs), embed(self.encoder, self.hyps)

        def replicate(weights: np.ndarray) -> float:
            index = np.repeat(np.arange(len(weights)), weights.astype(int))
            return mauve_score(p[index], q[index], self.seed)

        value, ci_low, ci_high = estimate_with_interval(replicate, (len(p),), self.interval_spec())
        return Estimate(
            value,
            ci_low,
            ci_high,
            n=len(self.hyps),
            recipe={
                "reference": self.reference,
                "n": len(self.hyps),
                "ci": self.ci_signature(),
                **self.encoder.identity(),
                "features": "mean of last layer",
                "mauve": "mauve-text defaults (buckets n/10, scaling 5)",
                "seed": self.seed,
            },
        )
