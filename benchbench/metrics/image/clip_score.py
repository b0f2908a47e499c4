"""CLIP score (Hessel et al., 2021): how well each image matches its prompt.

    CLIPScore(I, C) = max(100 · cos(E_I, E_C), 0),  averaged over the (image, prompt) pairs

with ``E_I`` and ``E_C`` a contrastive model's image and text embeddings. The clamp is
per pair, as the paper defines it (with weight 100 instead of its 2.5, as torchmetrics
and most text-to-image papers report it). torchmetrics' ``CLIPScore`` clamps the mean
instead; the two agree whenever no pair has a negative cosine, which is the usual case
for real CLIP models on real prompts. The interval is a bootstrap over pairs.

The score is only as meaningful as the encoder: the signature names it (directory name
and weights hash), and values are comparable only between equal encoders. Real CLIP is
read from a local ``transformers`` directory (``CLIPModel`` + ``CLIPProcessor`` saved
with ``save_pretrained``); nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from benchbench.extractors.clip import DEFAULT_ENCODER, TextImageEncoder, load_encoder
from benchbench.metrics import Estimate, MetricInputs, MetricResult, MetricSetup
from benchbench.metrics.features.conditional import PromptMetric
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval

SCALE = 100.0
VERSION = "1"


def pair_cosines(
    encoder: TextImageEncoder, images: torch.Tensor, prompts: Sequence[str]
) -> np.ndarray:
    """``100 · cos(E_I, E_C)`` per (image, prompt) pair, unclamped, float64."""
    if len(images) != len(prompts):
        raise ValueError(
            f"CLIP score needs one prompt per image: {len(images)} images, {len(prompts)} prompts"
        )
    image = encoder.encode_images(images).double()
    text = encoder.encode_texts(prompts).double().to(image.device)
    cosine = torch.nn.functional.cosine_similarity(image, text, dim=-1)
    return (SCALE * cosine).cpu().numpy()


class CLIPScore(PromptMetric):
    """``clip-score`` of a conditional suite: each sample against its prompt's text, with
    the embedded digits-CLIP (the only text–image encoder that works offline here)."""

    name = "clip-score"
    version = VERSION
    higher_is_better = True
    inputs = ("images", "conditions")

    def __init__(self, encoder: TextImageEncoder, bootstrap: BootstrapSpec | None = None):
        self.encoder = encoder
        self.bootstrap = bootstrap
        self._images: list[torch.Tensor] = []
        self._prompts: list[str] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> CLIPScore:
        return cls(load_encoder(DEFAULT_ENCODER, setup.device or "cpu"), setup.bootstrap)

    @property
    def label(self) -> str:
        return f"CLIPScore[{self.encoder.identity['name']}]"

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("images"), [c.text for c in inputs.get("conditions")])

    def update(self, images: torch.Tensor, prompts: Sequence[str]) -> None:
        self._images.append(images.detach().float().cpu())
        self._prompts.extend(prompts)

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        """Mean per-pair CLIP score with a bootstrap interval over pairs."""
        cosines = pair_cosines(self.encoder, torch.cat(self._images), self._prompts)
        scores = np.maximum(cosines, 0.0)
        value, low, high = estimate_with_interval(
            lambda w: float(w @ scores / w.sum()), [len(scores)], self.bootstrap
        )
        return Estimate(
            value,
            low,
            high,
            n=len(scores),
            recipe={
                "encoder": self.encoder.identity,
                "scale": SCALE,
                "clamp": "per-pair",
                "ci": self.ci_signature(),
                "n": len(scores),
            },
        )


def clip_score(
    encoder: TextImageEncoder,
    images: torch.Tensor,
    prompts: Sequence[str],
    bootstrap: BootstrapSpec | None = None,
) -> MetricResult:
    """``clip-score`` of ``images`` (in [0, 1], NCHW) against their ``prompts``."""
    metric = CLIPScore(encoder, bootstrap)
    metric.update(images, prompts)
    return metric.compute()
