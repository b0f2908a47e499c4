"""A tiny resumable trainer for training-suite tests (``tests.support.trainers:TinyTrainer``):
a linear generator from a 4-d latent to 16×16 images, fitted to the digits by mean squared
error. Fast, deterministic, and with hyper-parameters that break it on purpose: ``collapse``
zeroes the latent (every sample the same image), ``diverge_at`` reports a NaN loss at that
step."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field

from benchbench.adapters.base import Adapter
from benchbench.trainers.base import StepResult, Trainer

SIZE, Z_DIM = 16, 4


class TinyHyper(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lr: float = Field(0.05, gt=0, le=10)
    batch_size: int = Field(16, gt=0, le=1024)
    collapse: bool = False
    diverge_at: int = Field(0, ge=0, description="report a NaN loss at this step (0: never)")


class TinyImages(Adapter):
    """The tiny generator as an image adapter (what ``TinyTrainer.sampler`` returns)."""

    family = "test-tiny"
    requires_weights = False

    def __init__(self, net: torch.nn.Module, device: torch.device, collapse: bool):
        super().__init__(device)
        self.net = net
        self.collapse = collapse

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> TinyImages:
        raise NotImplementedError("made by TinyTrainer.sampler")

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, Z_DIM, generator=generator, device=self.device)
        return render(self.net, z * (0.0 if self.collapse else 1.0))


def render(net: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(net(z)).view(len(z), 1, SIZE, SIZE)


class TinyTrainer(Trainer):
    name = "tiny"
    family = "test-tiny"
    version = "1"
    Hyper = TinyHyper
    hyper: TinyHyper

    def __init__(self, hyper: TinyHyper, seed: int, device: torch.device, total_steps: int):
        super().__init__(hyper, seed, device, total_steps)
        from benchbench.data.digits import load_digits

        torch.manual_seed(seed)
        self.net = torch.nn.Linear(Z_DIM, SIZE * SIZE).to(device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=hyper.lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.images = load_digits("train", size=SIZE)[0].to(device)
        self.step = 0

    def train_step(self) -> StepResult:
        self.step += 1
        index = torch.randint(len(self.images), (self.hyper.batch_size,), generator=self.generator)
        z = torch.randn(self.hyper.batch_size, Z_DIM, generator=self.generator)
        z = z * (0.0 if self.hyper.collapse else 1.0)
        loss = torch.nn.functional.mse_loss(render(self.net, z), self.images[index])
        self.optimizer.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.net.parameters(), float("inf"))
        self.optimizer.step()
        value = float("nan") if self.step == self.hyper.diverge_at else float(loss.detach())
        return StepResult({"mse": value}, {"generator": float(norm)})

    def state_dict(self) -> dict[str, Any]:
        return {
            "net": self.net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "step": self.step,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        self.step = state["step"]

    def sampler(self) -> Adapter:
        return TinyImages(copy.deepcopy(self.net).eval(), self.device, self.hyper.collapse)


def state_tensors(trainer: Trainer) -> dict[str, torch.Tensor]:
    """Every tensor of ``trainer.state_dict()`` (nets, EMA, optimisers, generators' states),
    by its path in the state, copied."""
    flat: dict[str, torch.Tensor] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}/{key}", item)
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                walk(f"{prefix}/{i}", item)
        elif isinstance(value, torch.Tensor):
            flat[prefix] = value.clone()

    walk("", trainer.state_dict())
    return flat


def assert_resumes_bit_for_bit(make: Callable[[], Trainer]) -> None:
    """A trainer saved after one step (mid-epoch) and restored into a fresh one takes the
    same three further steps, and ends in the same state, as one that never stopped."""
    whole = make()
    whole_steps = [whole.train_step() for _ in range(4)]
    first = make()
    steps = [first.train_step()]
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    restored = make()
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    steps += [restored.train_step() for _ in range(3)]
    assert steps == whole_steps
    expected, got = state_tensors(whole), state_tensors(restored)
    assert expected.keys() == got.keys()
    for key, tensor in expected.items():
        assert torch.equal(tensor, got[key]), key
