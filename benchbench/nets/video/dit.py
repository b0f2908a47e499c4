"""A diffusion transformer over space-time patches (DiT, Peebles & Xie 2023; the
"spacetime patches" of OpenAI's Sora report) for 16 frames of 32×32 grey pixels.

A clip ``[N, frames, 1, H, W]`` is cut into *tubelets* of ``tubelet`` = (frames, height,
width) pixels; each becomes a token through one linear layer, plus a learned position
embedding that is the sum of a time, a row and a column part. Transformer blocks mix the
tokens; a last LayerNorm and linear layer map each token back to its tubelet's pixels of
prediction: the noise (the DDPM epsilon objective) or, with ``prediction_type
"v_prediction"``, the velocity √ᾱ·ε − √(1−ᾱ)·x₀ (Salimans & Ho 2022), which at high noise
asks for the clean clip itself.

Conditioning is adaLN-zero: the diffusion step (sinusoidal embedding through a small MLP)
plus a learned embedding of the digit give, per residual branch, a shift and scale of its
LayerNorm and a gate on its output; the gates and the output layer start at zero, so every
block starts as the identity and the model as "no noise".

Attention is full: every token attends to every other of the clip. Factorised attention
(one time step's tokens, then one place's through time, as TimeSformer and Latte) was
measured slower here: at this token count the linear layers dominate, and a second
attention branch adds more of them than it saves.

The noise schedule is part of the model (it fixes what each step embedding means);
``scheduler_config`` gives it to diffusers' DDPM and DDIM schedulers.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from benchbench.nets.audio.diffwave import step_embedding


class SelfAttention(nn.Module):
    """Multi-head self-attention over the tokens of ``[N, tokens, dim]``."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dim = x.shape[-1]
        q, k, v = (
            self.qkv(x)
            .unflatten(-1, (3, self.heads, dim // self.heads))
            .permute(2, 0, 3, 1, 4)  # 3 × [B, heads, tokens, head_dim]
        )
        mixed = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).flatten(2)
        return self.out(mixed)


class Modulated(nn.Module):
    """One adaLN-zero residual branch: ``x + gate · f(LayerNorm(x) · (1 + scale) + shift)``,
    with shift, scale and gate a zero-initialised linear function of the condition."""

    def __init__(self, dim: int, f: nn.Module) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.f = f
        self.modulation = nn.Linear(dim, 3 * dim)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        # condition [N, dim] → each [N, 1, dim], broadcast over the tokens
        shift, scale, gate = self.modulation(F.silu(condition))[:, None].chunk(3, dim=-1)
        return x + gate * self.f(self.norm(x) * (1.0 + scale) + shift)


def _block(dim: int, heads: int, mlp_ratio: int) -> nn.ModuleList:
    """The residual branches of one transformer block: attention, then an MLP."""
    mlp = nn.Sequential(
        nn.Linear(dim, mlp_ratio * dim),
        nn.GELU(approximate="tanh"),
        nn.Linear(mlp_ratio * dim, dim),
    )
    return nn.ModuleList([Modulated(dim, SelfAttention(dim, heads)), Modulated(dim, mlp)])


class VideoDiT(nn.Module):
    """``forward(noisy [N, frames, 1, H, W], timesteps [N] or scalar, labels [N])`` -> the
    noise or velocity (``prediction_type``), of the same shape; clips are in [-1, 1]
    inside the model (the adapter maps to [0, 1])."""

    def __init__(
        self,
        frames: int = 16,
        size: int = 32,
        tubelet: tuple[int, int, int] | list[int] = (2, 4, 4),
        dim: int = 128,
        depth: int = 4,
        heads: int = 4,
        mlp_ratio: int = 4,
        num_classes: int = 10,
        frame_rate: int = 8,
        train_timesteps: int = 1000,
        beta_schedule: str = "squaredcos_cap_v2",
        prediction_type: str = "epsilon",
    ) -> None:
        super().__init__()
        self.tubelet = tuple(tubelet)
        time, side = self.tubelet[0], self.tubelet[1]
        if self.tubelet[1] != self.tubelet[2] or frames % time or size % side:
            raise ValueError(
                f"tubelet {list(tubelet)} must be square in space and tile {frames} frames of "
                f"{size}×{size}"
            )
        self.frames, self.size, self.frame_rate = frames, size, frame_rate
        self.num_classes = num_classes
        self.grid = (frames // time, size // side, size // side)
        self.schedule = {
            "num_train_timesteps": train_timesteps,
            "beta_schedule": beta_schedule,
            "prediction_type": prediction_type,
        }
        self.dim = dim
        volume = time * side * side
        self.embed = nn.Linear(volume, dim)
        self.position = nn.ParameterList(
            nn.Parameter(torch.randn(length, dim) * 0.02) for length in self.grid
        )
        self.step_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.label = nn.Embedding(num_classes, dim)
        self.blocks = nn.ModuleList(_block(dim, heads, mlp_ratio) for _ in range(depth))
        self.final_norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.final_modulation = nn.Linear(dim, 2 * dim)
        self.head = nn.Linear(dim, volume)
        for layer in (self.final_modulation, self.head):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def scheduler_config(self) -> dict[str, Any]:
        """The diffusers scheduler config of this model's noise schedule, predictions
        clipped to [-1, 1], "trailing" spacing so that few-step DDIM starts at the last
        training step."""
        return {**self.schedule, "clip_sample": True, "timestep_spacing": "trailing"}

    def patchify(self, clips: torch.Tensor) -> torch.Tensor:
        """``[N, frames, 1, H, W]`` → tubelet pixels ``[N, tokens, volume]``, time-major."""
        (t, s, _), (gt, gh, gw) = self.tubelet, self.grid
        x = clips.reshape(len(clips), gt, t, gh, s, gw, s)
        return x.permute(0, 1, 3, 5, 2, 4, 6).reshape(len(clips), gt * gh * gw, t * s * s)

    def unpatchify(self, tokens: torch.Tensor) -> torch.Tensor:
        """The inverse of ``patchify``."""
        (t, s, _), (gt, gh, gw) = self.tubelet, self.grid
        x = tokens.reshape(len(tokens), gt, gh, gw, t, s, s).permute(0, 1, 4, 2, 5, 3, 6)
        return x.reshape(len(tokens), self.frames, 1, self.size, self.size)

    def forward(
        self, noisy: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        n = len(noisy)
        step = step_embedding(torch.as_tensor(timesteps, device=noisy.device).reshape(-1), self.dim)
        condition = self.step_mlp(step.expand(n, -1)) + self.label(labels)
        when, row, column = self.position
        position = when[:, None, None] + row[None, :, None] + column[None, None]
        x = self.embed(self.patchify(noisy)) + position.flatten(0, 2)
        for block in self.blocks:
            for branch in block:
                x = branch(x, condition)
        shift, scale = self.final_modulation(F.silu(condition))[:, None].chunk(2, dim=-1)
        return self.unpatchify(self.head(self.final_norm(x) * (1.0 + scale) + shift))
