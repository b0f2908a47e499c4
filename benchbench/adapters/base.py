"""The adapter protocol: how benchbench loads a model of any family and samples from it.

An adapter is the only place that knows a family's quirks (a GAN draws a latent, a
diffusion model runs a sampler loop). Everything downstream sees the same thing:
image batches as float tensors in [0, 1], NCHW. Knobs a suite may sweep are declared
as a pydantic ``Params`` model, so a typo or a wrong type in a suite is caught before
anything runs, with the file and line.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import BaseModel, ConfigDict

from benchbench.hashing import sha256_tree


class NoParams(BaseModel):
    """For models without sweepable knobs."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Adapter(ABC):
    """A loaded model that can ``sample``; subclasses exist per family.

    Subclasses set ``family`` and ``Params`` and implement ``load`` and ``sample``.
    ``weights`` is a resolved local path (file or directory), or ``None`` for models
    that need none.
    """

    family: ClassVar[str]
    output: ClassVar[str] = "image"
    Params: ClassVar[type[BaseModel]] = NoParams
    requires_weights: ClassVar[bool] = True

    def __init__(self, device: torch.device):
        self.device = device

    @classmethod
    @abstractmethod
    def load(cls, weights: Path | None, device: torch.device) -> Adapter:
        """Read the model from ``weights`` and move it to ``device``, ready to sample."""

    @abstractmethod
    def sample(self, n: int, generator: torch.Generator, **params: Any) -> torch.Tensor:
        """``n`` samples drawn with ``generator`` (on ``self.device``), in [0, 1], NCHW."""

    def accepts(self, name: str) -> bool:
        """Whether ``sample`` takes the input ``name`` (e.g. ``labels``): a conditional
        suite asks every model for the same classes, and models without the input ignore
        them — which is how a suite shows that an unconditional model cannot be steered."""
        return name in inspect.signature(self.sample).parameters

    @classmethod
    def fingerprint(cls, weights: Path | None) -> str:
        """Content hash of what defines the model; part of every stored cell's key."""
        if weights is None:
            return "none"
        return sha256_tree(weights)


class LatentVariableModel(ABC):
    """Capability: a model with an explicit latent space (VAE), for smoothness metrics."""

    latent_dim: int

    @abstractmethod
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Latent codes (the posterior mean) of images in [0, 1]."""

    @abstractmethod
    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] from latent codes."""


class CheckpointAdapter(Adapter):
    """An adapter whose weights are one benchbench checkpoint (see ``benchbench.checkpoint``)."""

    def __init__(self, net: torch.nn.Module, device: torch.device):
        super().__init__(device)
        self.net = net.to(device).eval()

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> CheckpointAdapter:
        from benchbench.checkpoint import load_checkpoint

        if weights is None:
            raise ValueError(f"the {cls.family} adapter needs a weights file")
        return cls(load_checkpoint(weights).build(), device)
