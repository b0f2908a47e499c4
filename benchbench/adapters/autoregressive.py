"""Autoregressive family: pixels drawn one at a time, each conditioned on those before it."""

from __future__ import annotations

import torch
from pydantic import Field

from benchbench.adapters.base import CheckpointAdapter, NoParams
from benchbench.fieldtypes import Real


class AutoregressiveParams(NoParams):
    temperature: Real = Field(
        default=1.0, gt=0, description="softmax temperature of each pixel's distribution"
    )


class AutoregressiveAdapter(CheckpointAdapter):
    """A benchbench checkpoint of a pixel model with ``sample(n, generator, temperature)``."""

    family = "autoregressive"
    Params = AutoregressiveParams

    def sample(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
        return self.net.sample(n, generator, temperature=temperature).clamp(0.0, 1.0)
