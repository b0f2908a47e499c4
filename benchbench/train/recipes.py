"""Seeded training recipes for the zoo: one function per model, one shared training loop.

Every random draw (initial weights, batch order, noise, augmentation) comes from the
recipe's ``seed``: weights are initialised inside ``torch.random.fork_rng`` (the global
RNG is restored afterwards) and everything else uses an explicit ``torch.Generator``.
On the same machine, torch version and device, the same seed gives the same weights
file, byte for byte. Each recipe returns its model card and writes it as JSON.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from benchbench.data.digits import DEFAULT_SIZE, load_digits
from benchbench.hashing import sha256_tree
from benchbench.nets.checkpoint import save_checkpoint
from benchbench.nets.classifier import DigitsCNN
from benchbench.nets.digits_clip import DigitsCLIP
from benchbench.suite.prompts import DIGIT_WORDS
from benchbench.trainers.common import (
    WARMUP_STEPS,
    DataOrder,
    RecipeTrainer,
    build,
    descend,
    schedule_for,
)
from benchbench.trainers.diffusion import (
    CONDITION_DROPOUT,
    NULL_CLASS,
    SCHEDULER_CONFIG,
    ConditionalDiffusionTrainer,
    DiffusionTrainer,
)
from benchbench.trainers.gan import ConditionalGANTrainer, GANTrainer
from benchbench.trainers.pixelcnn import PixelCNNTrainer
from benchbench.trainers.vae import VAETrainer
from benchbench.zoo import ZOO, card_path, weights_path

T = TypeVar("T", bound=RecipeTrainer)
Step = Callable[..., dict[str, float]]

DATA = {"dataset": "sklearn-digits", "split": "train", "size": DEFAULT_SIZE}

# Architecture configs (saved in each checkpoint, so a file rebuilds its own model).
CLASSIFIER_CONFIG: dict[str, Any] = {"feature_dim": 64, "width": 32, "num_classes": 10}
# digits-CLIP learns these prompt templates ({w}: the digit's word, {n}: its numeral).
PROMPT_TEMPLATES = (
    "a handwritten {w}",
    "the digit {w}",
    "a picture of a {w}",
    "{w}",
    "number {n}",
    "a {n}",
    "an image of the number {w}",
)
DIGITS_CLIP_CONFIG: dict[str, Any] = {
    "vocabulary": sorted(
        {w for t in PROMPT_TEMPLATES for w in t.replace("{w}", "").replace("{n}", "").split()}
        | set(DIGIT_WORDS)
        | {str(d) for d in range(10)}
    ),
    "embed_dim": 32,
    "width": 32,
}


@dataclass(frozen=True)
class Fitted:
    examples: int  # training set size
    steps: int
    seconds: float
    final_losses: dict[str, float]  # mean of each loss over the last epoch


def fit(
    step: Step,
    tensors: tuple[torch.Tensor, ...],
    *,
    epochs: int,
    batch_size: int,
    generator: torch.Generator,
    optimizers: list[torch.optim.Optimizer],
    warmup: int = WARMUP_STEPS,
) -> Fitted:
    """The training loop of the recipes without a trainer: epochs of shuffled batches, a
    cosine schedule.

    ``step(*batch)`` does one update of its own optimizers and returns named losses;
    ``fit`` owns batching, learning-rate schedules, timing and the loss summary.
    """
    data = DataOrder(tensors, batch_size, generator)
    total = epochs * data.steps_per_epoch
    schedule = schedule_for(total, warmup)
    schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, schedule) for opt in optimizers]

    def one_step() -> dict[str, float]:
        losses = step(*data.next())
        for scheduler in schedulers:
            scheduler.step()
        return losses

    return run_epochs(one_step, epochs, data.steps_per_epoch, len(tensors[0]))


def fit_trainer(trainer: RecipeTrainer, epochs: int) -> Fitted:
    """``fit`` for a recipe that is a trainer (``benchbench.trainers``): the trainer owns
    batching and schedules, this loop the epochs, timing and the loss summary."""
    data = trainer.order
    return run_epochs(
        lambda: trainer.train_step().losses, epochs, data.steps_per_epoch, len(data.tensors[0])
    )


def new_trainer(
    trainer_class: type[T], seed: int, epochs: int, device: str, examples: int | None = None
) -> T:
    """``trainer_class`` with its default (the zoo's) hyper-parameters, its schedule
    planned for ``epochs`` epochs of ``examples`` training examples (by default the image
    digits' training set)."""
    hyper = trainer_class.Hyper()
    if examples is None:
        examples = len(load_digits("train")[0])
    total = epochs * (examples // hyper.batch_size)
    return trainer_class(hyper, seed, torch.device(device), total)


def run_epochs(
    step: Callable[[], dict[str, float]], epochs: int, steps_per_epoch: int, examples: int
) -> Fitted:
    """Call ``step`` for ``epochs`` epochs, print the mean losses now and then, time it."""
    sums: dict[str, float] = {}
    count = steps = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        sums, count = {}, 0
        for _ in range(steps_per_epoch):
            for key, value in step().items():
                sums[key] = sums.get(key, 0.0) + value
            count += 1
            steps += 1
        if epoch == 0 or (epoch + 1) % max(1, epochs // 10) == 0:
            summary = ", ".join(f"{k} {v / count:.4f}" for k, v in sums.items())
            print(f"epoch {epoch + 1}/{epochs}: {summary}", flush=True)
    seconds = time.perf_counter() - start
    return Fitted(
        examples, steps, seconds, {key: value / max(count, 1) for key, value in sums.items()}
    )


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def write_card(
    out_dir: Path,
    name: str,
    *,
    seed: int,
    epochs: int,
    batch_size: int,
    fitted: Fitted,
    params: int,
    device: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Hash the weights just written and save the model card beside them."""
    entry = ZOO[name]
    weights = weights_path(name, out_dir)
    files = [weights] if weights.is_file() else sorted(p for p in weights.rglob("*") if p.is_file())
    losses = fitted.final_losses
    card = {
        "name": name,
        "family": entry.family,
        "recipe": entry.recipe,
        "description": entry.description,
        "seed": seed,
        "epochs": epochs,
        "steps": fitted.steps,
        "batch_size": batch_size,
        "final_loss": next(iter(losses.values())),
        "final_losses": losses,
        "train_seconds": round(fitted.seconds, 2),
        "params": params,
        "weights": entry.weights,
        "weights_sha256": sha256_tree(weights),
        "weights_bytes": sum(f.stat().st_size for f in files),
        "torch": torch.__version__,
        "device": device,
        "data": {**DATA, "n": fitted.examples},
        **(extra or {}),
    }
    path = card_path(name, out_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(card, indent=2) + "\n")
    tmp.replace(path)
    return card


def data_card(data: dict[str, Any], fitted: Fitted, **extra: Any) -> dict[str, Any]:
    """What the card of a recipe on other data than the image digits adds: that data
    (``write_card``'s default names the image data), the torch threads that
    ``train_seconds`` was measured with, and the recipe's own figures."""
    return {
        "data": {**data, "n": fitted.examples},
        "torch_threads": torch.get_num_threads(),
        **extra,
    }


def write_checkpoint_and_card(
    out_dir: Path,
    name: str,
    module: nn.Module,
    arch: str,
    config: dict[str, Any],
    *,
    seed: int,
    epochs: int,
    batch_size: int,
    fitted: Fitted,
    device: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Save ``module`` as a benchbench checkpoint of ``arch`` and write its card."""
    save_checkpoint(weights_path(name, out_dir), module, arch, config, meta(name, seed, epochs))
    return write_card(
        out_dir,
        name,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        fitted=fitted,
        params=count_params(module),
        device=device,
        extra={"arch": arch, "config": config, **(extra or {})},
    )


@dataclass(frozen=True)
class TrainingRun:
    """What a recipe's fit and write calls share: the zoo entry it trains, its seed, epochs,
    batch size and device (each recipe names them once, not in every call)."""

    name: str
    seed: int
    epochs: int
    batch_size: int
    device: str

    def fit(
        self,
        step: Step,
        tensors: tuple[torch.Tensor, ...],
        optimizers: list[torch.optim.Optimizer],
        order: torch.Generator,
    ) -> Fitted:
        """``fit`` for this run's epochs and batch size, batches drawn in ``order``."""
        return fit(
            step,
            tensors,
            epochs=self.epochs,
            batch_size=self.batch_size,
            generator=order,
            optimizers=optimizers,
        )

    def card(
        self, out_dir: Path, fitted: Fitted, params: int, extra: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``write_card`` for this run: for weights the recipe saved itself (a diffusers or
        Hugging Face folder)."""
        return write_card(
            out_dir,
            self.name,
            seed=self.seed,
            epochs=self.epochs,
            batch_size=self.batch_size,
            fitted=fitted,
            params=params,
            device=self.device,
            extra=extra,
        )

    def write(
        self,
        out_dir: Path,
        module: nn.Module,
        arch: str,
        config: dict[str, Any],
        fitted: Fitted,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``write_checkpoint_and_card`` for this run."""
        return write_checkpoint_and_card(
            out_dir,
            self.name,
            module,
            arch,
            config,
            seed=self.seed,
            epochs=self.epochs,
            batch_size=self.batch_size,
            fitted=fitted,
            device=self.device,
            extra=extra,
        )


def replace_folder(target: Path, write: Callable[[Path], None]) -> None:
    """``write`` a model folder beside ``target``, then put it in ``target``'s place whole,
    so no stale file of an earlier save survives (``save_pretrained`` only adds files)."""
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    write(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def generators(seed: int, device: str) -> tuple[torch.Generator, torch.Generator]:
    """A CPU generator for batch order and one on ``device`` for noise, both from ``seed``."""
    return torch.Generator().manual_seed(seed), torch.Generator(device).manual_seed(seed + 1)


def meta(name: str, seed: int, epochs: int) -> dict[str, Any]:
    """What a checkpoint records about its origin (nothing time-dependent: files stay equal)."""
    return {"zoo": name, "recipe": ZOO[name].recipe, "seed": seed, "epochs": epochs}


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random small affine warps: ±10° rotation, ±10% scale, ±2 px shift, per image.

    The classifier must also recognise generated digits, which are rarely centred and
    sized as precisely as the data; light warps make its features robust to that.
    """
    n = len(x)

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator, device=x.device) * 2.0 - 1.0

    angle = uniform(n) * math.radians(10.0)
    scale = 1.0 + 0.1 * uniform(n)
    shift = uniform(n, 2) * (2.0 * 2.0 / x.shape[-1])  # 2 px in [-1, 1] grid units
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    return (model(images).argmax(1) == labels).float().mean().item()


def train_classifier(
    out_dir: Path, seed: int = 0, epochs: int = 30, device: str = "cpu"
) -> dict[str, Any]:
    """``digits-cnn``: cross-entropy with augmentation, AdamW, cosine schedule."""
    return fit_classifier(
        "digits-cnn",
        lambda: DigitsCNN(**CLASSIFIER_CONFIG),
        CLASSIFIER_CONFIG,
        augment,
        load_digits,
        out_dir,
        seed,
        epochs,
        device,
    )


def fit_classifier(
    name: str,
    make: Callable[[], nn.Module],
    config: dict[str, Any],
    augmenter: Callable[[torch.Tensor, torch.Generator], torch.Tensor],
    load: Callable[[str], tuple[torch.Tensor, torch.Tensor]],
    out_dir: Path,
    seed: int,
    epochs: int,
    device: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The recipe of an embedded classifier that metrics embed in (``digits-cnn``,
    ``spoken-digits-cnn``): cross-entropy on augmented train examples, AdamW (3e-3, weight
    decay 1e-4), the shared loop's cosine schedule, batches of 64; the card records the
    accuracy on the held-out ``test`` split, and ``data`` (with its size) when it is not
    the image digits that ``write_card`` names by default."""
    order, noise = generators(seed, device)
    model = build(make, seed, device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)

    def step(x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        loss = F.cross_entropy(model(augmenter(x.to(device), noise)), y.to(device))
        descend(opt, loss)
        return {"cross_entropy": loss.item()}

    run = TrainingRun(name, seed, epochs, 64, device)
    fitted = run.fit(step, load("train"), [opt], order)
    test_inputs, test_labels = load("test")
    held_out = accuracy(model, test_inputs.to(device), test_labels.to(device))
    card = {
        "held_out_accuracy": round(held_out, 4),
        "held_out_n": len(test_labels),
        "feature_dim": config["feature_dim"],
    }
    if data is not None:
        card["data"] = {**data, "n": fitted.examples}
    return run.write(out_dir, model, name, config, fitted, extra=card)


def train_dcgan(
    out_dir: Path, seed: int = 0, epochs: int = 150, device: str = "cpu"
) -> dict[str, Any]:
    """``dcgan-digits``: non-saturating GAN loss, Adam(2e-4, β1 = 0.5), EMA of the generator."""
    return _train_gan("dcgan-digits", out_dir, seed, epochs, device, conditional=False)


def train_cgan(
    out_dir: Path, seed: int = 0, epochs: int = 80, device: str = "cpu"
) -> dict[str, Any]:
    """``cgan-digits``: as ``dcgan-digits``, with the class given to the generator (one-hot
    beside z) and to a projection discriminator; fakes are drawn for the real batch's classes."""
    return _train_gan("cgan-digits", out_dir, seed, epochs, device, conditional=True)


def _train_gan(
    name: str, out_dir: Path, seed: int, epochs: int, device: str, conditional: bool
) -> dict[str, Any]:
    trainer = new_trainer(
        ConditionalGANTrainer if conditional else GANTrainer, seed, epochs, device
    )
    run = TrainingRun(name, seed, epochs, trainer.hyper.batch_size, device)
    return run.write(
        out_dir,
        trainer.ema.module,
        "cgan-generator" if conditional else "dcgan-generator",
        trainer.generator_config(),
        fit_trainer(trainer, epochs),
        extra={"ema_decay": trainer.ema.decay},
    )


def train_vae(
    out_dir: Path, seed: int = 0, epochs: int = 150, device: str = "cpu"
) -> dict[str, Any]:
    """``vae-digits``: negative ELBO (Bernoulli BCE + KL, nats per image), Adam, cosine schedule."""
    trainer = new_trainer(VAETrainer, seed, epochs, device)
    run = TrainingRun("vae-digits", seed, epochs, trainer.hyper.batch_size, device)
    return run.write(out_dir, trainer.model, "vae", trainer.config, fit_trainer(trainer, epochs))


def train_pixelcnn(
    out_dir: Path, seed: int = 0, epochs: int = 40, device: str = "cpu"
) -> dict[str, Any]:
    """``pixelcnn-digits``: per-pixel cross-entropy over the quantised levels, Adam."""
    trainer = new_trainer(PixelCNNTrainer, seed, epochs, device)
    run = TrainingRun("pixelcnn-digits", seed, epochs, trainer.hyper.batch_size, device)
    fitted = fit_trainer(trainer, epochs)
    return run.write(out_dir, trainer.model, "gated-pixelcnn", trainer.config, fitted)


def train_ddpm(
    out_dir: Path, seed: int = 0, epochs: int = 200, device: str = "cpu"
) -> dict[str, Any]:
    """``ddpm-digits``: epsilon-prediction MSE on images in [-1, 1], AdamW, EMA of the UNet."""
    return _train_diffusion("ddpm-digits", out_dir, seed, epochs, device, conditional=False)


def train_cddpm(
    out_dir: Path, seed: int = 0, epochs: int = 100, device: str = "cpu"
) -> dict[str, Any]:
    """``cddpm-digits``: as ``ddpm-digits``, conditioned on the digit's class; the class is
    replaced by the null class with probability ``CONDITION_DROPOUT``, so one network
    predicts both conditional and unconditional noise (classifier-free guidance)."""
    return _train_diffusion("cddpm-digits", out_dir, seed, epochs, device, conditional=True)


def _train_diffusion(
    name: str, out_dir: Path, seed: int, epochs: int, device: str, conditional: bool
) -> dict[str, Any]:
    import diffusers

    trainer_class = ConditionalDiffusionTrainer if conditional else DiffusionTrainer
    trainer = new_trainer(trainer_class, seed, epochs, device)
    run = TrainingRun(name, seed, epochs, trainer.hyper.batch_size, device)
    fitted = fit_trainer(trainer, epochs)

    def save(folder: Path) -> None:
        trainer.ema.module.save_pretrained(folder / "unet")
        trainer.scheduler.save_pretrained(folder / "scheduler")

    replace_folder(weights_path(name, out_dir), save)
    conditioning = {"null_class": NULL_CLASS, "condition_dropout": CONDITION_DROPOUT}
    return run.card(
        out_dir,
        fitted,
        count_params(trainer.unet),
        extra={
            "diffusers": diffusers.__version__,
            "unet_config": trainer.unet_config,
            "scheduler_config": SCHEDULER_CONFIG,
            "objective": "epsilon",
            "ema_decay": trainer.ema.decay,
            **(conditioning if conditional else {}),
        },
    )


def digit_prompt(label: int, template: str) -> str:
    return template.format(w=DIGIT_WORDS[label], n=label)


@torch.no_grad()
def zero_shot_accuracy(model: DigitsCLIP, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy of reading each image's digit as its most similar "a handwritten {w}"."""
    model.eval()
    prompts = [digit_prompt(d, PROMPT_TEMPLATES[0]) for d in range(10)]
    return (model(images, prompts).argmax(1) == labels).float().mean().item()


def train_digits_clip(
    out_dir: Path, seed: int = 0, epochs: int = 40, device: str = "cpu"
) -> dict[str, Any]:
    """``digits-clip``: contrastive image→text loss over the ten digits' prompts, each step
    with a random template per digit (so every template maps to its digit), AdamW."""
    name, batch_size = "digits-clip", 64
    config = DIGITS_CLIP_CONFIG
    order, noise = generators(seed, device)
    model = build(lambda: DigitsCLIP(**config), seed, device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)

    def step(x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        picks = torch.randint(0, len(PROMPT_TEMPLATES), (10,), generator=noise, device=device)
        prompts = [digit_prompt(d, PROMPT_TEMPLATES[int(i)]) for d, i in enumerate(picks)]
        loss = F.cross_entropy(model(augment(x.to(device), noise), prompts), y.to(device))
        descend(opt, loss)
        return {"contrastive": loss.item()}

    run = TrainingRun(name, seed, epochs, batch_size, device)
    fitted = run.fit(step, load_digits("train"), [opt], order)
    test_images, test_labels = load_digits("test")
    held_out = zero_shot_accuracy(model, test_images.to(device), test_labels.to(device))
    return run.write(
        out_dir,
        model,
        name,
        config,
        fitted,
        extra={
            "templates": list(PROMPT_TEMPLATES),
            "zero_shot_accuracy": round(held_out, 4),
            "held_out_n": len(test_labels),
        },
    )
