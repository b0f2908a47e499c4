"""The zoo's PixelCNN as a trainer: ``pixelcnn-digits``, per-pixel cross-entropy over the
quantised levels with Adam; it samples its live weights (the recipe keeps no EMA)."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from pydantic import Field

from benchbench.adapters.autoregressive import AutoregressiveAdapter
from benchbench.data.digits import DEFAULT_SIZE, load_digits
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.nets.pixelcnn import GatedPixelCNN, quantise
from benchbench.trainers.base import StepResult
from benchbench.trainers.common import RecipeTrainer, TrainerHyper, build, descend

LEVELS, KERNEL = 16, 5


class PixelCNNHyper(TrainerHyper):
    lr: Real = Field(default=2e-3, gt=0, le=10, description="Adam's learning rate")
    batch_size: WholeNumber = Field(default=64, ge=2, le=1024, description="examples per update")
    channels: WholeNumber = Field(default=32, ge=2, le=512, description="channels per layer")
    layers: WholeNumber = Field(default=6, ge=1, le=64, description="gated layers")


class PixelCNNTrainer(RecipeTrainer):
    name = "pixelcnn-digits"
    family = "autoregressive"
    Hyper = PixelCNNHyper

    def __init__(
        self, hyper: PixelCNNHyper, seed: int, device: torch.device, total_steps: int
    ) -> None:
        super().__init__(hyper, seed, device, total_steps)
        self.config: dict[str, Any] = {
            "levels": LEVELS,
            "channels": hyper.channels,
            "layers": hyper.layers,
            "kernel": KERNEL,
            "size": DEFAULT_SIZE,
        }
        self.model = build(lambda: GatedPixelCNN(**self.config), seed, device).train()
        optimizer = torch.optim.Adam(self.model.parameters(), lr=hyper.lr)
        self.setup((load_digits("train")[0],), {"pixelcnn": self.model}, {"pixelcnn": optimizer})

    def update(self, x: torch.Tensor) -> StepResult:
        x = x.to(self.device)
        loss = F.cross_entropy(self.model(x), quantise(x, self.model.levels)[:, 0])
        norm = descend(self.optimizers["pixelcnn"], loss)
        return StepResult({"nll_bits_per_pixel": loss.item() / math.log(2.0)}, {"pixelcnn": norm})

    def sampler(self) -> AutoregressiveAdapter:
        return AutoregressiveAdapter(self.sampling_copy(self.model), self.device)
