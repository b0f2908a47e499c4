"""The audio zoo's recipes as trainers: ``wavenet-digits``, ``wavegan-digits`` and
``diffwave-digits`` on the spoken digits (8 kHz, 4,096-sample clips, class-conditional).

They share the image trainers' machinery (``RecipeTrainer``: nets, optimisers with the zoo's
cosine schedule, EMA, the seeded data order and noise generator, the resumable state),
which holds no image; only the batch (clips and their digits) and each update differ. The
networks' configs are the zoo's (``benchbench.train.audio_recipes`` trains through these
trainers), so a training suite measures the recipe the zoo ships.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from pydantic import Field

from benchbench.adapters.diffwave import DiffWaveAdapter
from benchbench.adapters.wavegan import WaveGANAdapter
from benchbench.adapters.wavenet import WaveNetAdapter
from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE, load_spoken_digits
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.trainers.base import StepResult
from benchbench.trainers.common import EMA, RecipeTrainer, TrainerHyper, build, descend

EMA_DECAY = 0.999

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
WAVEGAN_CONFIG: dict[str, Any] = {
    "z_dim": 64,
    "width": 16,
    "num_classes": 10,
    "clip_samples": CLIP_SAMPLES,
    "sample_rate": SAMPLE_RATE,
}
# Spectral norm and phase shuffle come from the hyper-parameters (sweepable).
WAVEGAN_CRITIC_CONFIG: dict[str, Any] = {
    "width": 16,
    "num_classes": 10,
    "clip_samples": CLIP_SAMPLES,
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


def crop_field(default: int) -> Any:
    """The training window: the nets are convolutional, so a crop of each clip (with the
    receptive field before it, for WaveNet) trains them as well as the whole clip, cheaper."""
    return Field(
        default=default,
        ge=1,
        le=CLIP_SAMPLES,
        description="samples of each clip trained on per step (a random window)",
    )


def size_field(description: str) -> Any:
    """A network size as a hyper-parameter; unset, the net is the zoo's (its config)."""
    return Field(default=None, ge=1, le=512, description=f"{description} (unset: the zoo's)")


def sized(config: dict[str, Any], hyper: TrainerHyper, *names: str) -> dict[str, Any]:
    """``config`` with the sizes among ``names`` that ``hyper`` sets."""
    chosen = {name: getattr(hyper, name) for name in names}
    return {**config, **{name: value for name, value in chosen.items() if value is not None}}


def crop_start(length: int, crop: int, generator: torch.Generator) -> int:
    """Where a batch's training crop of ``crop`` samples starts, uniform over the clip."""
    return int(torch.randint(0, length - crop + 1, (1,), generator=generator))


class WaveNetHyper(TrainerHyper):
    lr: Real = Field(default=2e-3, gt=0, le=10, description="Adam's learning rate")
    batch_size: WholeNumber = Field(default=8, ge=2, le=1024, description="clips per update")
    crop: WholeNumber = crop_field(512)
    channels: WholeNumber | None = size_field("residual channels")
    layers_per_stack: WholeNumber | None = size_field("dilated layers per stack (1, 2, 4, ...)")


class WaveNetTrainer(RecipeTrainer):
    """``wavenet-digits``: cross-entropy of each sample's µ-law class given the samples
    before it, on random crops (with their receptive field of real context), Adam; it
    samples its live weights (the recipe keeps no EMA), with the cached sampler."""

    name = "wavenet-digits"
    family = "wavenet"
    output = "audio"
    Hyper = WaveNetHyper

    def __init__(
        self, hyper: WaveNetHyper, seed: int, device: torch.device, total_steps: int
    ) -> None:
        from benchbench.nets.audio.wavenet import WaveNet

        super().__init__(hyper, seed, device, total_steps)
        self.config = sized(WAVENET_CONFIG, hyper, "channels", "layers_per_stack")
        self.model = build(lambda: WaveNet(**self.config), seed, device).train()
        optimizer = torch.optim.Adam(self.model.parameters(), lr=hyper.lr)
        self.setup(load_spoken_digits("train"), {"wavenet": self.model}, {"wavenet": optimizer})

    def update(self, x: torch.Tensor, labels: torch.Tensor) -> StepResult:
        from benchbench.nets.audio.wavenet import mu_law_encode

        model, device, crop = self.model, self.device, self.hyper.crop
        codes = mu_law_encode(x.to(device)[:, 0], model.classes)
        inputs = F.pad(codes[:, :-1], (1, 0), value=model.start_code)
        start = crop_start(codes.shape[1], crop, self.noise)
        first = max(0, start - (model.receptive_field - 1))
        logits = model(inputs[:, first : start + crop], labels.to(device), start=first)
        loss = F.cross_entropy(logits[:, :, start - first :], codes[:, start : start + crop])
        norm = descend(self.optimizers["wavenet"], loss)
        return StepResult({"nll_bits_per_sample": loss.item() / math.log(2.0)}, {"wavenet": norm})

    def sampler(self) -> WaveNetAdapter:
        return WaveNetAdapter(self.sampling_copy(self.model), self.device)


class WaveGANHyper(TrainerHyper):
    lr: Real = Field(default=2e-4, gt=0, le=10, description="Adam's learning rate (both nets)")
    batch_size: WholeNumber = Field(default=16, ge=2, le=1024, description="clips per update")
    beta1: Real = Field(default=0.5, ge=0, lt=1, description="Adam's β1 (both nets)")
    beta2: Real = Field(default=0.9, ge=0, lt=1, description="Adam's β2 (both nets)")
    spectral_norm: bool = Field(
        default=True, description="spectral norm in the critic (without it the critic wins)"
    )
    shuffle: WholeNumber = Field(
        default=2, ge=0, le=64, description="phase shuffle reach of the critic, in samples"
    )
    width: WholeNumber | None = size_field("channels of both nets, times 1 to 8")


class WaveGANTrainer(RecipeTrainer):
    """``wavegan-digits``: hinge loss, one critic step per generator step (WaveGAN's WGAN-GP
    needs five, and a double backward each, which a few CPU minutes cannot pay for), a
    spectrally normalised critic with phase shuffle, Adam, an EMA of the generator (which is
    what gets sampled); fakes are drawn for the real batch's digits."""

    name = "wavegan-digits"
    family = "wavegan"
    output = "audio"
    Hyper = WaveGANHyper

    def __init__(
        self, hyper: WaveGANHyper, seed: int, device: torch.device, total_steps: int
    ) -> None:
        from benchbench.nets.audio.wavegan import WaveGANCritic, WaveGANGenerator

        super().__init__(hyper, seed, device, total_steps)
        self.config = sized(WAVEGAN_CONFIG, hyper, "width")
        self.critic_config = {
            **sized(WAVEGAN_CRITIC_CONFIG, hyper, "width"),
            "shuffle": hyper.shuffle,
            "spectral_norm": hyper.spectral_norm,
        }
        self.gen = build(lambda: WaveGANGenerator(**self.config), seed, device).train()
        self.critic = build(lambda: WaveGANCritic(**self.critic_config), seed + 1, device).train()
        betas = (hyper.beta1, hyper.beta2)
        optimizers = {
            "generator": torch.optim.Adam(self.gen.parameters(), lr=hyper.lr, betas=betas),
            "critic": torch.optim.Adam(self.critic.parameters(), lr=hyper.lr, betas=betas),
        }
        self.ema = EMA(self.gen, decay=EMA_DECAY)
        self.setup(
            load_spoken_digits("train"), {"generator": self.gen, "critic": self.critic}, optimizers
        )

    def update(self, x: torch.Tensor, labels: torch.Tensor) -> StepResult:
        gen, critic, noise, device = self.gen, self.critic, self.noise, self.device
        x, labels = x.to(device), labels.to(device)
        fake = gen(torch.randn(len(x), gen.z_dim, generator=noise, device=device), labels)
        d_loss = (
            F.relu(1.0 - critic(x, labels, noise)).mean()
            + F.relu(1.0 + critic(fake.detach(), labels, noise)).mean()
        )
        d_norm = descend(self.optimizers["critic"], d_loss)
        g_loss = -critic(fake, labels, noise).mean()
        g_norm = descend(self.optimizers["generator"], g_loss)
        self.ema.update(gen)
        return StepResult(
            {"generator": g_loss.item(), "critic": d_loss.item()},
            {"generator": g_norm, "critic": d_norm},
        )

    def sampler(self) -> WaveGANAdapter:
        return WaveGANAdapter(self.sampling_copy(self.ema.module), self.device)


class DiffWaveHyper(TrainerHyper):
    lr: Real = Field(default=2e-3, gt=0, le=10, description="AdamW's learning rate")
    batch_size: WholeNumber = Field(default=16, ge=2, le=1024, description="clips per update")
    crop: WholeNumber = crop_field(512)
    eval_steps: WholeNumber = Field(
        default=10, ge=1, le=200, description="DDIM steps when sampled at a checkpoint"
    )
    channels: WholeNumber | None = size_field("residual channels")
    layers: WholeNumber | None = size_field("residual layers")


class DiffWaveTrainer(RecipeTrainer):
    """``diffwave-digits``: epsilon-prediction MSE (DDPM) on random crops of the clips,
    AdamW, an EMA of the weights (which is what gets sampled, with DDIM in ``eval_steps``
    steps)."""

    name = "diffwave-digits"
    family = "diffwave"
    output = "audio"
    Hyper = DiffWaveHyper

    def __init__(
        self, hyper: DiffWaveHyper, seed: int, device: torch.device, total_steps: int
    ) -> None:
        from diffusers import DDPMScheduler

        from benchbench.nets.audio.diffwave import DiffWave

        super().__init__(hyper, seed, device, total_steps)
        self.config = sized(DIFFWAVE_CONFIG, hyper, "channels", "layers")
        self.model = build(lambda: DiffWave(**self.config), seed, device).train()
        self.scheduler = DDPMScheduler(**self.model.scheduler_config())
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=hyper.lr, weight_decay=0.0)
        self.ema = EMA(self.model, decay=EMA_DECAY)
        self.setup(load_spoken_digits("train"), {"diffwave": self.model}, {"diffwave": optimizer})

    def update(self, x: torch.Tensor, labels: torch.Tensor) -> StepResult:
        device, noise, crop = self.device, self.noise, self.hyper.crop
        start = crop_start(x.shape[-1], crop, noise)
        x = x.to(device)[:, :, start : start + crop]
        eps = torch.randn(x.shape, generator=noise, device=device)
        timesteps = self.scheduler.config.num_train_timesteps
        t = torch.randint(0, timesteps, (len(x),), generator=noise, device=device)
        noisy = self.scheduler.add_noise(x, eps, t)
        loss = F.mse_loss(self.model(noisy, t, labels.to(device), start=start), eps)
        norm = descend(self.optimizers["diffwave"], loss)
        self.ema.update(self.model)
        return StepResult({"mse": loss.item()}, {"diffwave": norm})

    def sampler(self) -> DiffWaveAdapter:
        model = self.sampling_copy(self.ema.module)
        return DiffWaveAdapter(model, self.device, steps=self.hyper.eval_steps)
