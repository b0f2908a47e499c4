"""What every zoo trainer shares: the data order, the update with its gradient norm, the
EMA of weights, the learning-rate schedule, and the state that makes a trainer resumable
(``RecipeTrainer`` holds no image: the audio trainers are built on it too).

The zoo's recipes (``benchbench.train.recipes``) train through these same pieces, so a
training suite measures the recipe the zoo ships, not a copy of it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any, TypeVar

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from benchbench.adapters.base import seeded
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.trainers.base import StepResult, Trainer

M = TypeVar("M", bound=nn.Module)
WARMUP_STEPS = 100  # the zoo's warmup, shortened to a tenth of the budget for short runs


class TrainerHyper(BaseModel):
    """Hyper-parameters every image trainer has; bounded like the suite's own numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lr: Real = Field(gt=0, le=10, description="peak learning rate (Adam)")
    batch_size: WholeNumber = Field(ge=2, le=1024, description="examples per update")


def cosine_with_warmup(total: int, warmup: int) -> Callable[[int], float]:
    """Learning-rate factor: linear warmup, then cosine decay to zero at ``total`` steps."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))

    return factor


def schedule_for(total: int, warmup: int = WARMUP_STEPS) -> Callable[[int], float]:
    """The zoo's schedule for a budget of ``total`` steps: ``warmup`` steps, at most a
    tenth of the budget, then cosine decay."""
    return cosine_with_warmup(total, min(warmup, total // 10 + 1))


def descend(optimizer: torch.optim.Optimizer, loss: torch.Tensor, clip: float = 0.0) -> float:
    """One gradient step on ``loss`` for the parameters of ``optimizer``; ``clip > 0``
    first scales their gradients to at most that norm (the text recipes' transformers).
    Returns the L2 norm over all their gradients before clipping (read only: the update
    is the same whether or not anyone looks at it)."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if clip > 0:
        norm = torch.nn.utils.clip_grad_norm_(params, clip)
    else:
        norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    optimizer.step()
    return float(norm)


class EMA:
    """Exponential moving average of a module's weights (buffers are copied as they are).

    Averaging the last few hundred steps gives smoother weights than the last step, which
    samples visibly better for GANs and diffusion models. The decay warms up from 0 so
    early, poor weights fade quickly.
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for average, live in zip(self.module.parameters(), module.parameters(), strict=True):
            average.lerp_(live, 1.0 - decay)
        for average, live in zip(self.module.buffers(), module.buffers(), strict=True):
            average.copy_(live)

    def state_dict(self) -> dict[str, Any]:
        return {"updates": self.updates, "module": self.module.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.updates = int(state["updates"])
        self.module.load_state_dict(state["module"])


class DataOrder:
    """Shuffled full batches, an epoch at a time, drawn from ``generator`` (the remainder
    of each epoch is dropped: batch norm likes equal sizes). An epoch's permutation is
    drawn when its first batch is asked for, as the zoo's loop always did.

    Resumable mid-epoch: the state is the epoch's permutation, the position in it and the
    generator's state, so a restored order goes on with the same batches.
    """

    def __init__(
        self, tensors: tuple[torch.Tensor, ...], batch_size: int, generator: torch.Generator
    ) -> None:
        if batch_size > len(tensors[0]):
            raise ValueError(
                f"batch_size {batch_size} is larger than the training set ({len(tensors[0])})"
            )
        self.tensors = tensors
        self.batch_size = batch_size
        self.steps_per_epoch = len(tensors[0]) // batch_size
        self.generator = generator
        self.order = torch.empty(0, dtype=torch.long)
        self.position = self.steps_per_epoch  # the first call draws the first epoch

    def next(self) -> tuple[torch.Tensor, ...]:
        """The next batch; a new permutation is drawn when the epoch is spent."""
        if self.position == self.steps_per_epoch:
            self.order = torch.randperm(len(self.tensors[0]), generator=self.generator)
            self.position = 0
        start = self.position * self.batch_size
        index = self.order[start : start + self.batch_size]
        self.position += 1
        return tuple(t[index] for t in self.tensors)

    def state_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.clone(),
            "position": self.position,
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.order = state["order"].clone()
        self.position = int(state["position"])
        self.generator.set_state(state["generator"])


def build(factory: Callable[[], M], seed: int, device: torch.device | str) -> M:
    """Construct a module with weights drawn from ``seed``, leaving the global RNG as it was."""
    return seeded(factory, seed).to(device)


class RecipeTrainer(Trainer):
    """A trainer whose state is its nets, optimisers (each with the zoo's cosine schedule
    over ``total_steps``), optional EMA, data order and noise generator. Subclasses build
    those in ``__init__`` (through ``setup``) and implement ``update`` on one batch."""

    nets: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    ema: EMA | None = None

    def setup(
        self,
        data: tuple[torch.Tensor, ...],
        nets: dict[str, nn.Module],
        optimizers: dict[str, torch.optim.Optimizer],
    ) -> None:
        """Hold the nets and optimisers, plan the schedule, and seed the data order (CPU,
        ``seed``) and the noise (on the device, ``seed + 1``), as the zoo's recipes do."""
        self.nets, self.optimizers = nets, optimizers
        schedule = schedule_for(self.total_steps)
        self.schedulers = {
            name: torch.optim.lr_scheduler.LambdaLR(opt, schedule)
            for name, opt in optimizers.items()
        }
        self.order = DataOrder(
            data, self.hyper.batch_size, torch.Generator().manual_seed(self.seed)
        )
        self.noise = torch.Generator(self.device).manual_seed(self.seed + 1)
        self.step = 0

    def update(self, *batch: torch.Tensor) -> StepResult:
        """One update of the nets on ``batch`` (as the data order gives it, on the CPU)."""
        raise NotImplementedError

    def train_step(self) -> StepResult:
        result = self.update(*self.order.next())
        for scheduler in self.schedulers.values():
            scheduler.step()
        self.step += 1
        return result

    def state_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "nets": {name: net.state_dict() for name, net in self.nets.items()},
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers.items()},
            "schedulers": {name: s.state_dict() for name, s in self.schedulers.items()},
            "ema": None if self.ema is None else self.ema.state_dict(),
            "data": self.order.state_dict(),
            "noise": self.noise.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step = int(state["step"])
        for name, net in self.nets.items():
            net.load_state_dict(state["nets"][name])
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        for name, scheduler in self.schedulers.items():
            scheduler.load_state_dict(state["schedulers"][name])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.order.load_state_dict(state["data"])
        self.noise.set_state(state["noise"])

    def sampling_copy(self, net: nn.Module) -> nn.Module:
        """A frozen copy of ``net`` for an adapter: adapters switch their net to eval mode
        in place, which must not touch the net being trained."""
        return copy.deepcopy(net)
