"""Seeded training recipes for the video zoo (moving digits: 16 frames of 32×32 at 8 fps).

They follow ``recipes``: weights drawn inside ``build`` (the global RNG is left as it
was), batch order and every other draw from explicit generators, the shared ``fit`` loop
and checkpoint-and-card writing (``TrainingRun``), EMA. Cards say which data they saw
(``VIDEO_DATA``). Both generators are conditioned on the digit only; the direction of
motion is theirs to draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from benchbench.data.moving_digits import FRAME_RATE, FRAMES, SIZE, load_moving_digits
from benchbench.train.recipes import TrainingRun, build, data_card, descend, generators
from benchbench.trainers.common import EMA

VIDEO_DATA: dict[str, Any] = {
    "dataset": "moving-digits",
    "split": "train",
    "frames": FRAMES,
    "frame_rate": FRAME_RATE,
    "size": SIZE,
}
CLIP = {"frames": FRAMES, "size": SIZE}

# Sized for minutes on one busy CPU core (about 0.35 s per batch of 32).
VIDEOGAN_CONFIG: dict[str, Any] = {
    "z_dim": 64,
    "width": 16,
    "num_classes": 10,
    **CLIP,
    "frame_rate": FRAME_RATE,
}
VIDEOGAN_CRITIC_CONFIG: dict[str, Any] = {"width": 16, "num_classes": 10, **CLIP}

# Tubelets of 2 frames × 8×8 pixels: 8 × 4 × 4 = 128 tokens per clip. Smaller tubelets
# (2×4×4: 512 tokens) cost five times as much per step, which the budget cannot pay.
# v-prediction: with ε-prediction 675 steps left the clean-clip estimate at high noise
# near zero (grey noise instead of a black canvas); v asks for the clean clip there.
VIDEO_DIT_CONFIG: dict[str, Any] = {
    **CLIP,
    "tubelet": [2, 8, 8],
    "dim": 64,
    "depth": 4,
    "heads": 4,
    "mlp_ratio": 4,
    "num_classes": 10,
    "frame_rate": FRAME_RATE,
    "train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "prediction_type": "v_prediction",
}


def train_videogan(
    out_dir: Path, seed: int = 0, epochs: int = 30, device: str = "cpu"
) -> dict[str, Any]:
    """``videogan-digits``: hinge loss, one critic step per generator step, Adam (2e-4,
    β = 0.5, 0.9), spectral norm in the critic, EMA of the generator; fakes are drawn for
    the real batch's digits."""
    from benchbench.nets.video.videogan import VideoGANCritic, VideoGANGenerator

    name, batch_size = "videogan-digits", 32
    g_config, d_config = VIDEOGAN_CONFIG, VIDEOGAN_CRITIC_CONFIG
    order, noise = generators(seed, device)
    gen = build(lambda: VideoGANGenerator(**g_config), seed, device).train()
    critic = build(lambda: VideoGANCritic(**d_config), seed + 1, device).train()
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.9))
    ema = EMA(gen, decay=0.995)

    def step(x: torch.Tensor, digits: torch.Tensor, _directions: torch.Tensor) -> dict[str, float]:
        x, digits = x.to(device), digits.to(device)
        fake = gen(torch.randn(len(x), gen.z_dim, generator=noise, device=device), digits)
        d_loss = (
            F.relu(1.0 - critic(x, digits)).mean()
            + F.relu(1.0 + critic(fake.detach(), digits)).mean()
        )
        descend(opt_d, d_loss)
        g_loss = -critic(fake, digits).mean()
        descend(opt_g, g_loss)
        ema.update(gen)
        return {"generator": g_loss.item(), "critic": d_loss.item()}

    run = TrainingRun(name, seed, epochs, batch_size, device)
    fitted = run.fit(step, load_moving_digits("train"), [opt_g, opt_d], order)
    return run.write(
        out_dir,
        ema.module,
        "videogan-generator",
        g_config,
        fitted,
        extra=data_card(
            VIDEO_DATA, fitted, loss="hinge", critic_config=d_config, ema_decay=ema.decay
        ),
    )


def train_video_diffusion(
    out_dir: Path, seed: int = 0, epochs: int = 16, device: str = "cpu"
) -> dict[str, Any]:
    """``video-diffusion-digits``: MSE of the config's prediction (noise or velocity) on
    clips scaled to [-1, 1], AdamW, EMA of the weights."""
    from diffusers import DDPMScheduler

    from benchbench.nets.video.dit import VideoDiT

    name, batch_size, config = "video-diffusion-digits", 32, VIDEO_DIT_CONFIG
    order, noise = generators(seed, device)
    model = build(lambda: VideoDiT(**config), seed, device).train()
    scheduler = DDPMScheduler(**model.scheduler_config())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    ema = EMA(model, decay=0.995)
    timesteps = scheduler.config.num_train_timesteps
    velocity = scheduler.get_velocity if config["prediction_type"] == "v_prediction" else None

    def step(x: torch.Tensor, digits: torch.Tensor, _directions: torch.Tensor) -> dict[str, float]:
        x = x.to(device) * 2.0 - 1.0
        eps = torch.randn(x.shape, generator=noise, device=device)
        t = torch.randint(0, timesteps, (len(x),), generator=noise, device=device)
        target = eps if velocity is None else velocity(x, eps, t)
        loss = F.mse_loss(model(scheduler.add_noise(x, eps, t), t, digits.to(device)), target)
        descend(opt, loss)
        ema.update(model)
        return {"mse": loss.item()}

    run = TrainingRun(name, seed, epochs, batch_size, device)
    fitted = run.fit(step, load_moving_digits("train"), [opt], order)
    return run.write(
        out_dir,
        ema.module,
        "video-dit",
        config,
        fitted,
        extra=data_card(
            VIDEO_DATA,
            fitted,
            objective=config["prediction_type"],
            scheduler_config=model.scheduler_config(),
            ema_decay=ema.decay,
        ),
    )
