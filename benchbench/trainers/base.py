"""The contract of a resumable trainer: one family's training recipe, one step at a time.

The zoo's recipes (``benchbench.train``) train a model once and write its weights; a
training suite instead trains the same recipe under several seeds and settings, evaluates
it at checkpoints and must be able to stop and continue. So a trainer owns everything a
step needs (networks, optimisers, schedules, EMA, its data order and random generators),
does one update per ``train_step`` and can hand over and take back its whole state:
a trainer restored from ``state_dict()`` takes the same steps, bit for bit, as one that
never stopped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from pydantic import BaseModel

from benchbench.adapters.base import Adapter


@dataclass(frozen=True)
class StepResult:
    """One update's figures: each loss, and each network's gradient norm (the L2 norm over
    all its parameters' gradients, before any clipping). A non-finite value is reported as
    it is: deciding what it means is the caller's business."""

    losses: dict[str, float]
    grad_norms: dict[str, float] = field(default_factory=dict)


class Trainer(ABC):
    """A family's recipe as a resumable object.

    Subclasses set ``name`` (the registry name), ``family`` (as the adapters name it),
    ``output`` (the output kind its sampler makes, as its adapter's ``output``: a suite on
    another kind of data is refused before anything trains), ``version`` (bumped whenever
    the arithmetic of a step changes, so stored training cells are recomputed) and
    ``Hyper`` (the sweepable hyper-parameters, defaults equal to the zoo recipe's), and
    implement the four methods below. ``total_steps`` is the budget the learning-rate
    schedule is planned for.
    """

    name: ClassVar[str]
    family: ClassVar[str]
    output: ClassVar[str] = "image"
    version: ClassVar[str] = "1"
    Hyper: ClassVar[type[BaseModel]]

    def __init__(self, hyper: BaseModel, seed: int, device: torch.device, total_steps: int) -> None:
        self.hyper = hyper
        self.seed = seed
        self.device = device
        self.total_steps = total_steps

    @abstractmethod
    def train_step(self) -> StepResult:
        """One update on the next batch of the trainer's own data order."""

    @abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: networks, optimisers, schedulers, EMA,
        random generators' states and the position in the data order. Tensors and plain
        Python values only, so ``torch.load(weights_only=True)`` reads it back."""

    @abstractmethod
    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from ``state`` (from ``state_dict`` of a trainer built with the same
        hyper-parameters, seed and budget)."""

    @abstractmethod
    def sampler(self) -> Adapter:
        """The model as it is now (its EMA weights where the recipe keeps an EMA), as the
        family's adapter, so checkpoints are sampled and scored as the zoo's models are."""
