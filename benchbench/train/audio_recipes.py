"""Seeded training recipes for the audio zoo (spoken digits, 8 kHz, 4,096-sample clips).

Each trains the family's trainer (``benchbench.trainers.audio``: networks, optimisers,
EMA, data order and noise, seeded as ``recipes``' trainers are) for whole epochs with the
shared loop, and writes its checkpoint and card (``TrainingRun``). Cards say which data
they saw (``AUDIO_DATA``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE, load_spoken_digits
from benchbench.train.recipes import Fitted, TrainingRun, data_card, fit_trainer, new_trainer
from benchbench.trainers.audio import DiffWaveTrainer, WaveGANTrainer, WaveNetTrainer
from benchbench.trainers.common import RecipeTrainer

T = TypeVar("T", bound=RecipeTrainer)

AUDIO_DATA: dict[str, Any] = {
    "dataset": "spoken-digits",
    "split": "train",
    "sample_rate": SAMPLE_RATE,
    "clip_samples": CLIP_SAMPLES,
}


def _fit(
    trainer_class: type[T], seed: int, epochs: int, device: str
) -> tuple[T, TrainingRun, Fitted]:
    """A new trainer of ``trainer_class`` fitted for ``epochs`` epochs of the training clips,
    with the run that writes its checkpoint and card, and the fit's figures."""
    examples = len(load_spoken_digits("train")[0])
    trainer = new_trainer(trainer_class, seed, epochs, device, examples=examples)
    run = TrainingRun(trainer.name, seed, epochs, trainer.hyper.batch_size, device)
    return trainer, run, fit_trainer(trainer, epochs)


def train_wavenet(
    out_dir: Path, seed: int = 0, epochs: int = 2, device: str = "cpu"
) -> dict[str, Any]:
    """``wavenet-digits``: cross-entropy of each sample's µ-law class given the samples
    before it, on random crops (with their receptive field of real context), Adam."""
    trainer, run, fitted = _fit(WaveNetTrainer, seed, epochs, device)
    model = trainer.model
    extra = data_card(
        AUDIO_DATA,
        fitted,
        crop_samples=trainer.hyper.crop,
        receptive_field=model.receptive_field,
    )
    return run.write(out_dir, model, "wavenet", trainer.config, fitted, extra=extra)


def train_wavegan(
    out_dir: Path, seed: int = 0, epochs: int = 30, device: str = "cpu"
) -> dict[str, Any]:
    """``wavegan-digits``: hinge loss (one critic step per generator step; WaveGAN's WGAN-GP
    needs five, and a double backward each, which a few CPU minutes cannot pay for) with a
    spectrally normalised critic (without it the critic won within a few epochs: hinge
    loss 0.13 at 60 epochs, FD 1,109 against 874 with it), Adam (2e-4, β = 0.5, 0.9), phase
    shuffle 2 in the critic, EMA of the generator; fakes are drawn for the real batch's
    digits."""
    trainer, run, fitted = _fit(WaveGANTrainer, seed, epochs, device)
    extra = data_card(
        AUDIO_DATA,
        fitted,
        loss="hinge",
        critic_config=trainer.critic_config,
        ema_decay=trainer.ema.decay,
    )
    generator = trainer.ema.module
    return run.write(out_dir, generator, "wavegan-generator", trainer.config, fitted, extra=extra)


def train_diffwave(
    out_dir: Path, seed: int = 0, epochs: int = 4, device: str = "cpu"
) -> dict[str, Any]:
    """``diffwave-digits``: epsilon-prediction MSE (DDPM) on random crops of the clips,
    AdamW, EMA of the weights."""
    trainer, run, fitted = _fit(DiffWaveTrainer, seed, epochs, device)
    extra = data_card(
        AUDIO_DATA,
        fitted,
        crop_samples=trainer.hyper.crop,
        objective="epsilon",
        scheduler_config=trainer.model.scheduler_config(),
        ema_decay=trainer.ema.decay,
    )
    return run.write(out_dir, trainer.ema.module, "diffwave", trainer.config, fitted, extra=extra)
