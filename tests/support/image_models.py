"""Tiny randomly initialised image networks in their libraries' own classes."""

from __future__ import annotations

import torch


def tiny_unet(sample_size=8, **extra):
    from diffusers import UNet2DModel

    torch.manual_seed(0)
    return UNet2DModel(
        **extra,
        sample_size=sample_size,
        in_channels=1,
        out_channels=1,
        block_out_channels=(8, 16),
        layers_per_block=1,
        norm_num_groups=4,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
    )
