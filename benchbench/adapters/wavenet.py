"""WaveNet family: raw audio drawn one sample at a time, each conditioned on those before.

A class-conditional ``nets.audio.wavenet.WaveNet`` checkpoint. ``sampler`` picks how each
step is computed, not what is drawn: ``naive`` recomputes the receptive field for every
sample, ``cached`` (Fast WaveNet) keeps per-layer queues of past activations; with the same
generator both give the same clips, so a suite sweeping it shows the speed-up alone.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from benchbench.adapters.base import CheckpointAdapter, NoParams, Waveforms, given_or_drawn_labels
from benchbench.fieldtypes import Real


class WaveNetParams(NoParams):
    sampler: Literal["naive", "cached"] = Field(
        default="cached",
        description="naive: a forward pass over the receptive field per sample; cached: "
        "Fast WaveNet's per-layer queues (Paine et al. 2016), one position per layer per "
        "sample. Same clips for the same seed",
    )
    temperature: Real = Field(
        default=1.0, gt=0, le=10, description="softmax temperature of each sample's µ-law class"
    )


class WaveNetAdapter(Waveforms, CheckpointAdapter):
    """Clips ``[n, 1, samples]`` in [-1, 1] from a WaveNet checkpoint; ``labels`` picks the
    digits (drawn uniformly without them)."""

    family = "wavenet"
    archs = ("wavenet",)
    Params = WaveNetParams

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        sampler: str = "cached",
        temperature: float = 1.0,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        from benchbench.nets.audio.wavenet import mu_law_decode

        labels = given_or_drawn_labels(labels, n, self.net.num_classes, generator, self.device)
        codes = self.net.sample(n, generator, labels, temperature, cached=sampler == "cached")
        return mu_law_decode(codes, self.net.classes)[:, None]
