"""The resumable trainers (``benchbench.trainers``): a trainer stopped anywhere, saved and
restored continues bit for bit; it reports non-finite losses as they are; its
hyper-parameters are bounded; its sampler draws what the family's adapter would draw from
the same weights saved and loaded."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from benchbench.registry import RegistryError
from benchbench.trainers import TRAINERS, resolve_trainer
from benchbench.trainers.base import StepResult, Trainer
from benchbench.trainers.common import DataOrder, descend
from tests.support.trainers import assert_resumes_bit_for_bit

CPU = torch.device("cpu")
# Tiny nets on the first 40 training digits in batches of 16: 2 steps an epoch, so a stop
# after 1 step is mid-epoch and the 3 steps after it cross into the next epoch.
EXAMPLES, BATCH = 40, 16
TINY: dict[str, dict[str, Any]] = {
    "dcgan-digits": {"width": 8, "z_dim": 4},
    "cgan-digits": {"width": 8, "z_dim": 4},
    "vae-digits": {"width": 4, "latent_dim": 2},
    "pixelcnn-digits": {"channels": 4, "layers": 1},
    "ddpm-digits": {"base_channels": 4, "eval_steps": 2},
    "cddpm-digits": {"base_channels": 4, "eval_steps": 2},
}


@pytest.fixture(autouse=True)
def few_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trainers read the first ``EXAMPLES`` training digits (a full epoch is slow)."""
    from benchbench.data import digits

    def load(split: str = "train", **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = digits.load_digits(split, **kwargs)
        return images[:EXAMPLES], labels[:EXAMPLES]

    for module in ("gan", "vae", "pixelcnn", "diffusion"):
        monkeypatch.setattr(f"benchbench.trainers.{module}.load_digits", load)


def tiny(name: str, seed: int = 0, total_steps: int = 8, **hyper: Any) -> Trainer:
    cls = TRAINERS.get(name)
    return cls(cls.Hyper(**{**TINY[name], "batch_size": BATCH, **hyper}), seed, CPU, total_steps)


def test_every_zoo_image_trainer_is_registered() -> None:
    assert set(TINY) <= set(TRAINERS.names())  # the audio ones: tests/test_trainers_audio.py
    for name in TRAINERS.names():
        assert TRAINERS.get(name).name == name


@pytest.mark.parametrize("name", sorted(TINY))
def test_a_restored_trainer_continues_bit_for_bit(name: str) -> None:
    assert_resumes_bit_for_bit(lambda: tiny(name))


@pytest.mark.parametrize("name", sorted(TINY))
def test_steps_report_every_loss_and_network_and_differ_by_seed(name: str) -> None:
    a, b = tiny(name, seed=0).train_step(), tiny(name, seed=1).train_step()
    assert isinstance(a, StepResult) and a.losses and a.grad_norms
    assert all(math.isfinite(v) and v > 0 for v in a.grad_norms.values())
    assert a.losses != b.losses


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_sampler_draws_images_and_leaves_training_alone(name: str) -> None:
    trainer = tiny(name)
    trainer.train_step()
    images = trainer.sampler().sample(3, torch.Generator().manual_seed(0))
    assert images.shape == (3, 1, 16, 16)
    assert images.min() >= 0.0 and images.max() <= 1.0
    trained = [net for net in trainer.nets.values()]
    assert all(net.training for net in trained)
    assert all(p.requires_grad for net in trained for p in net.parameters())
    trainer.train_step()  # still trains after sampling


def test_gan_sampler_equals_the_adapter_on_its_saved_checkpoint(tmp_path: Path) -> None:
    from benchbench.adapters.gan import GANAdapter
    from benchbench.nets.checkpoint import save_checkpoint

    trainer = tiny("dcgan-digits", batch_norm=False)
    for _ in range(2):
        trainer.train_step()
    path = save_checkpoint(
        tmp_path / "g.pt", trainer.ema.module, "dcgan-generator", trainer.generator_config()
    )
    loaded = GANAdapter.load(path, CPU).sample(8, torch.Generator().manual_seed(3))
    assert torch.equal(trainer.sampler().sample(8, torch.Generator().manual_seed(3)), loaded)


def test_diffusion_sampler_equals_the_adapter_on_its_saved_folder(tmp_path: Path) -> None:
    from benchbench.adapters.diffusion import DiffusionAdapter

    trainer = tiny("ddpm-digits", eval_steps=3)
    trainer.train_step()
    trainer.ema.module.save_pretrained(tmp_path / "unet")
    trainer.scheduler.save_pretrained(tmp_path / "scheduler")
    loaded = DiffusionAdapter.load(tmp_path, CPU).sample(
        4, torch.Generator().manual_seed(3), steps=3
    )
    assert torch.equal(trainer.sampler().sample(4, torch.Generator().manual_seed(3)), loaded)


def test_a_huge_learning_rate_reports_non_finite_losses_as_they_are() -> None:
    trainer = tiny("vae-digits", lr=10.0)
    results = [trainer.train_step() for _ in range(8)]
    values = [v for r in results for v in (*r.losses.values(), *r.grad_norms.values())]
    assert not all(math.isfinite(v) for v in values)


@pytest.mark.parametrize(
    ("name", "hyper", "field"),
    [
        ("dcgan-digits", {"lr": 0.0}, "lr"),
        ("dcgan-digits", {"beta1": 1.0}, "beta1"),
        ("dcgan-digits", {"label_smoothing": -0.1}, "label_smoothing"),
        ("dcgan-digits", {"batch_norm": "sometimes"}, "batch_norm"),
        ("vae-digits", {"latent_dim": 0}, "latent_dim"),
        ("vae-digits", {"batch_size": 2.5}, "batch_size"),
        ("pixelcnn-digits", {"layers": 100}, "layers"),
        ("ddpm-digits", {"base_channels": 6}, "base_channels"),
        ("ddpm-digits", {"eval_steps": 0}, "eval_steps"),
        ("ddpm-digits", {"lr": float("nan")}, "lr"),
        ("ddpm-digits", {"learning_rate": 1e-3}, "learning_rate"),
    ],
)
def test_hyper_parameters_out_of_bounds_are_errors_naming_the_field(
    name: str, hyper: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        TRAINERS.get(name).Hyper(**hyper)
    assert [e["loc"] for e in error.value.errors()] == [(field,)]


def test_a_batch_larger_than_the_training_set_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="batch_size 1024 is larger than the training set"):
        DataOrder((torch.zeros(10, 1),), 1024, torch.Generator())


def test_the_data_order_is_shuffled_full_batches_an_epoch_at_a_time() -> None:
    data = DataOrder((torch.arange(10),), 3, torch.Generator().manual_seed(0))
    epochs = [torch.cat([data.next()[0] for _ in range(3)]) for _ in range(2)]
    assert [len(set(e.tolist())) for e in epochs] == [9, 9]  # one example left out each
    assert not torch.equal(epochs[0], epochs[1])


def test_the_gradient_norm_is_the_l2_norm_over_all_gradients_and_leaves_the_update_alone() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    twin.load_state_dict(net.state_dict())
    x = torch.randn(5, 3)
    loss = net(x).pow(2).sum()
    grads = torch.autograd.grad(loss, list(net.parameters()), retain_graph=True)
    reference = math.sqrt(sum(float(g.double().pow(2).sum()) for g in grads))

    norm = descend(torch.optim.SGD(net.parameters(), lr=0.1), loss)

    assert norm == pytest.approx(reference, rel=1e-6)
    plain = torch.optim.SGD(twin.parameters(), lr=0.1)
    twin(x).pow(2).sum().backward()
    plain.step()
    for a, b in zip(net.parameters(), twin.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_users_trainer_is_resolved_by_module_and_class() -> None:
    from benchbench.trainers.vae import VAETrainer

    assert resolve_trainer("benchbench.trainers.vae:VAETrainer") is VAETrainer
    assert resolve_trainer("vae-digits") is VAETrainer


def test_a_target_that_is_not_a_trainer_is_a_clear_error() -> None:
    with pytest.raises(RegistryError, match="is not a Trainer subclass"):
        resolve_trainer("benchbench.adapters.vae:VAEAdapter")
    with pytest.raises(RegistryError, match="cannot import module 'nowhere'"):
        resolve_trainer("nowhere:Trainer")
    with pytest.raises(RegistryError, match="Did you mean 'vae-digits'"):
        resolve_trainer("vae-digit")
