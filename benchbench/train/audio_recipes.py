"""Seeded training recipes for the audio zoo (spoken digits, 8 kHz, 4,096-sample clips).

They follow ``recipes``: weights drawn inside ``build`` (the global RNG is left as it
was), batch order and every other draw from explicit generators, the shared ``fit`` loop
and checkpoint-and-card writing (``TrainingRun``), EMA. Cards say which data they saw
(``AUDIO_DATA``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE, load_spoken_digits
from benchbench.train.recipes import (
    TrainingRun,
    build,
    data_card,
    descend,
    generators,
)
from benchbench.trainers.common import EMA

AUDIO_DATA: dict[str, Any] = {
    "dataset": "spoken-digits",
    "split": "train",
    "sample_rate": SAMPLE_RATE,
    "clip_samples": CLIP_SAMPLES,
}


def _crop_start(length: int, crop: int, generator: torch.Generator) -> int:
    """Where a batch's training crop of ``crop`` samples starts, uniform over the clip."""
    return int(torch.randint(0, length - crop + 1, (1,), generator=generator))


# ---- generators (audio-zoo) ---------------------------------------------------------------

# Sized for minutes on a shared CPU. Two stacks of dilations 1..32: a receptive field of
# 127 samples (16 ms, one to three pitch periods); the clock says where in the word it is.
WAVENET_CONFIG: dict[str, Any] = {
    "channels": 24,
    "skip_channels": 32,
    "stacks": 2,
    "layers_per_stack": 6,
    "classes": 256,
    "num_classes": 10,
    "cond_dim": 8,
    "clock_bins": 16,
    "clip_samples": CLIP_SAMPLES,
    "sample_rate": SAMPLE_RATE,
}
WAVENET_CROP = 512  # samples predicted per clip and step (plus the receptive field before)

WAVEGAN_CONFIG: dict[str, Any] = {
    "z_dim": 64,
    "width": 16,
    "num_classes": 10,
    "clip_samples": CLIP_SAMPLES,
    "sample_rate": SAMPLE_RATE,
}
WAVEGAN_CRITIC_CONFIG: dict[str, Any] = {
    "width": 16,
    "num_classes": 10,
    "clip_samples": CLIP_SAMPLES,
    "shuffle": 2,
    "spectral_norm": True,
}

# Two cycles of dilations 1..16 (kernel 3): 125 samples of context; DiffWave's schedule
# (200 linear steps, betas 1e-4..0.02).
DIFFWAVE_CONFIG: dict[str, Any] = {
    "channels": 24,
    "layers": 10,
    "dilation_cycle": 5,
    "step_dim": 32,
    "num_classes": 10,
    "cond_dim": 8,
    "clock_bins": 16,
    "clip_samples": CLIP_SAMPLES,
    "sample_rate": SAMPLE_RATE,
    "train_timesteps": 200,
    "beta_start": 1e-4,
    "beta_end": 0.02,
}
DIFFWAVE_CROP = 512


def train_wavenet(
    out_dir: Path, seed: int = 0, epochs: int = 2, device: str = "cpu"
) -> dict[str, Any]:
    """``wavenet-digits``: cross-entropy of each sample's µ-law class given the samples
    before it, on random crops (with their receptive field of real context), Adam."""
    from benchbench.nets.audio.wavenet import WaveNet, mu_law_encode

    name, batch_size, config = "wavenet-digits", 8, WAVENET_CONFIG
    order, noise = generators(seed, device)
    model = build(lambda: WaveNet(**config), seed, device).train()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    context = model.receptive_field - 1

    def step(x: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
        codes = mu_law_encode(x.to(device)[:, 0], model.classes)
        inputs = F.pad(codes[:, :-1], (1, 0), value=model.start_code)
        start = _crop_start(codes.shape[1], WAVENET_CROP, noise)
        first = max(0, start - context)
        logits = model(inputs[:, first : start + WAVENET_CROP], labels.to(device), start=first)
        target = codes[:, start : start + WAVENET_CROP]
        loss = F.cross_entropy(logits[:, :, start - first :], target)
        descend(opt, loss)
        return {"nll_bits_per_sample": loss.item() / torch.log(torch.tensor(2.0)).item()}

    run = TrainingRun(name, seed, epochs, batch_size, device)
    fitted = run.fit(step, load_spoken_digits("train"), [opt], order)
    return run.write(
        out_dir,
        model,
        "wavenet",
        config,
        fitted,
        extra=data_card(
            AUDIO_DATA, fitted, crop_samples=WAVENET_CROP, receptive_field=model.receptive_field
        ),
    )


def train_wavegan(
    out_dir: Path, seed: int = 0, epochs: int = 30, device: str = "cpu"
) -> dict[str, Any]:
    """``wavegan-digits``: hinge loss (one critic step per generator step; WaveGAN's WGAN-GP
    needs five, and a double backward each, which a few CPU minutes cannot pay for) with a
    spectrally normalised critic (without it the critic won within a few epochs: hinge
    loss 0.13 at 60 epochs, FD 1,109 against 874 with it), Adam (2e-4, β = 0.5, 0.9), phase
    shuffle 2 in the critic, EMA of the generator; fakes are drawn for the real batch's
    digits."""
    from benchbench.nets.audio.wavegan import WaveGANCritic, WaveGANGenerator

    name, batch_size = "wavegan-digits", 16
    g_config, d_config = WAVEGAN_CONFIG, WAVEGAN_CRITIC_CONFIG
    order, noise = generators(seed, device)
    gen = build(lambda: WaveGANGenerator(**g_config), seed, device).train()
    critic = build(lambda: WaveGANCritic(**d_config), seed + 1, device).train()
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.9))
    ema = EMA(gen, decay=0.999)

    def step(x: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
        x, labels = x.to(device), labels.to(device)
        fake = gen(torch.randn(len(x), gen.z_dim, generator=noise, device=device), labels)
        d_loss = (
            F.relu(1.0 - critic(x, labels, noise)).mean()
            + F.relu(1.0 + critic(fake.detach(), labels, noise)).mean()
        )
        descend(opt_d, d_loss)
        g_loss = -critic(fake, labels, noise).mean()
        descend(opt_g, g_loss)
        ema.update(gen)
        return {"generator": g_loss.item(), "critic": d_loss.item()}

    run = TrainingRun(name, seed, epochs, batch_size, device)
    fitted = run.fit(step, load_spoken_digits("train"), [opt_g, opt_d], order)
    return run.write(
        out_dir,
        ema.module,
        "wavegan-generator",
        g_config,
        fitted,
        extra=data_card(
            AUDIO_DATA, fitted, loss="hinge", critic_config=d_config, ema_decay=ema.decay
        ),
    )


def train_diffwave(
    out_dir: Path, seed: int = 0, epochs: int = 4, device: str = "cpu"
) -> dict[str, Any]:
    """``diffwave-digits``: epsilon-prediction MSE (DDPM) on random crops of the clips,
    AdamW, EMA of the weights."""
    from diffusers import DDPMScheduler

    from benchbench.nets.audio.diffwave import DiffWave

    name, batch_size, config = "diffwave-digits", 16, DIFFWAVE_CONFIG
    order, noise = generators(seed, device)
    model = build(lambda: DiffWave(**config), seed, device).train()
    scheduler = DDPMScheduler(**model.scheduler_config())
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.0)
    ema = EMA(model, decay=0.999)
    timesteps = scheduler.config.num_train_timesteps

    def step(x: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
        start = _crop_start(x.shape[-1], DIFFWAVE_CROP, noise)
        x = x.to(device)[:, :, start : start + DIFFWAVE_CROP]
        eps = torch.randn(x.shape, generator=noise, device=device)
        t = torch.randint(0, timesteps, (len(x),), generator=noise, device=device)
        predicted = model(scheduler.add_noise(x, eps, t), t, labels.to(device), start=start)
        loss = F.mse_loss(predicted, eps)
        descend(opt, loss)
        ema.update(model)
        return {"mse": loss.item()}

    run = TrainingRun(name, seed, epochs, batch_size, device)
    fitted = run.fit(step, load_spoken_digits("train"), [opt], order)
    return run.write(
        out_dir,
        ema.module,
        "diffwave",
        config,
        fitted,
        extra=data_card(
            AUDIO_DATA,
            fitted,
            crop_samples=DIFFWAVE_CROP,
            objective="epsilon",
            scheduler_config=model.scheduler_config(),
            ema_decay=ema.decay,
        ),
    )
