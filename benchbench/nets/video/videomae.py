"""VideoMAE-v2 (Wang et al. 2023, "VideoMAE V2: Scaling Video Masked Autoencoders with Dual
Masking") video ViT encoders, whose mean-pooled tokens content-debiased FVD compares clips
in (Ge et al. 2024, "On the Content Bias in Fréchet Video Distance").

The encoder is the fine-tuning ViT of the VideoMAE-v2 release (``models/modeling_finetune``):
tubelets of 2 frames × 16×16 pixels embedded by one 3-D convolution, fixed sine-cosine
position codes (not in the checkpoint), pre-norm blocks whose attention has a query and a
value bias but no key bias, LayerNorm epsilon 1e-6, then the mean over all tokens through
``fc_norm``: the clip feature. ``head`` (the classifier) is part of the checkpoint, so the
released file loads strictly, but not of the feature. Parameter names are the release's
(``patch_embed.proj.weight``, ``blocks.0.attn.q_bias``, ``fc_norm.weight``, ``head.bias``).

Configurations:

- ``VIT_S``: ViT-S/16, the smallest the release offers: distilled from ViT-g on
  Kinetics-710 (``vit_s_k710_dl_from_giant.pth``, 710-class head), 384-d features;
- ``VIT_G``: ViT-g/14 fine-tuned on Something-Something v2 (``vit_g_hybrid_pt_1200e_ssv2_ft``,
  174 classes), the network cd-FVD itself loads, 1408-d features (about a billion
  parameters: too big for a CPU benchmark, listed so its layout is checked).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

FRAMES = 16
TUBELET = 2
INPUT_SIZE = 224
LAYER_NORM_EPS = 1e-6
# The ImageNet statistics VideoMAE-v2 normalises RGB frames in [0, 1] with.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ViTConfig:
    patch: int
    width: int
    depth: int
    heads: int
    mlp_width: int
    classes: int


VIT_S = ViTConfig(patch=16, width=384, depth=12, heads=6, mlp_width=1536, classes=710)
VIT_G = ViTConfig(patch=14, width=1408, depth=40, heads=16, mlp_width=6144, classes=174)


def sinusoid_table(positions: int, width: int) -> torch.Tensor:
    """``[positions, width]`` fixed codes: ``pos / 10000^(2⌊j/2⌋/width)``, sine on even ``j``,
    cosine on odd (computed in float64, as the release does in numpy)."""
    position = torch.arange(positions, dtype=torch.float64)[:, None]
    exponent = 2 * (torch.arange(width) // 2) / width
    angles = position / torch.pow(10000.0, exponent.double())
    angles[:, 0::2] = angles[:, 0::2].sin()
    angles[:, 1::2] = angles[:, 1::2].cos()
    return angles.float()


class Attention(nn.Module):
    """Multi-head self-attention whose ``qkv`` projection has a query and a value bias but
    no key bias (a key bias cancels in the softmax)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(width))
        self.v_bias = nn.Parameter(torch.zeros(width))
        self.proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, width = x.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.q_bias), self.v_bias])
        qkv = F.linear(x, self.qkv.weight, bias).view(batch, tokens, 3, self.heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v)  # scale 1/sqrt(head width)
        return self.proj(attended.transpose(1, 2).reshape(batch, tokens, width))


class Mlp(nn.Module):
    def __init__(self, width: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm transformer block (no layer scale: the released encoders have none)."""

    def __init__(self, width: int, heads: int, mlp_width: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=LAYER_NORM_EPS)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=LAYER_NORM_EPS)
        self.mlp = Mlp(width, mlp_width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    """Non-overlapping tubelets (2 frames × patch × patch) → one token each."""

    def __init__(self, patch: int, width: int) -> None:
        super().__init__()
        self.proj = nn.Conv3d(3, width, (TUBELET, patch, patch), (TUBELET, patch, patch))

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        return self.proj(clips).flatten(2).transpose(1, 2)


class VideoMAEv2ViT(nn.Module):
    """``[B, 3, 16, 224, 224]`` ImageNet-normalised RGB clips → ``[B, width]`` features
    (``fc_norm`` of the mean token)."""

    def __init__(self, config: ViTConfig = VIT_S) -> None:
        super().__init__()
        self.config = config
        self.patch_embed = PatchEmbed(config.patch, config.width)
        tokens = (FRAMES // TUBELET) * (INPUT_SIZE // config.patch) ** 2
        self.register_buffer("pos_embed", sinusoid_table(tokens, config.width), persistent=False)
        self.blocks = nn.ModuleList(
            Block(config.width, config.heads, config.mlp_width) for _ in range(config.depth)
        )
        self.fc_norm = nn.LayerNorm(config.width, eps=LAYER_NORM_EPS)
        self.head = nn.Linear(config.width, config.classes)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(clips) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.fc_norm(x.mean(dim=1))
