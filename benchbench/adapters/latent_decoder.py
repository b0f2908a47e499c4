"""Latent-diffusion decoders: a diffusers ``AutoencoderKL`` turning latents into images.

In a latent diffusion model (Stable Diffusion) the UNet works on small latents and the
VAE's decoder turns the final latent into pixels, once per image; at 512×512 it is a
real share of the time and most of the peak memory. This adapter times that decoder
alone: latents drawn from the prior N(0, 1) (as the UNet's output is scaled to), divided
by the VAE's ``scaling_factor``, decoded, mapped from [-1, 1] to [0, 1].

Weights are an ``AutoencoderKL`` directory (``config.json`` + weights, e.g. the ``vae/``
folder of a pipeline) read with ``from_pretrained(..., local_files_only=True)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from pydantic import Field

from benchbench.adapters.base import (
    Adapter,
    DType,
    NoParams,
    diffusers_to,
    dtype_field,
    seeded,
    torch_dtype,
)
from benchbench.fieldtypes import WholeNumber


class LatentDecoderParams(NoParams):
    latent_size: WholeNumber | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="latent height and width (default: the VAE's sample_size over its "
        "downsampling, 64 for SD's 512×512)",
    )
    dtype: DType = dtype_field()


class LatentDecoderAdapter(Adapter):
    """A diffusers ``AutoencoderKL`` whose decoder draws images from prior latents."""

    family = "latent-decoder"
    Params = LatentDecoderParams
    load_params = ("dtype",)

    def __init__(self, vae: torch.nn.Module, device: torch.device, dtype: str = "float32"):
        super().__init__(device)
        self.dtype = torch_dtype(dtype, device)
        self.vae = diffusers_to(vae, device, self.dtype).eval()

    @classmethod
    def load(cls, weights: Path | None, device: torch.device, dtype: str = "float32") -> Adapter:
        from diffusers import AutoencoderKL

        cls.check_weights(weights)
        return cls(AutoencoderKL.from_pretrained(weights, local_files_only=True), device, dtype)

    @classmethod
    def check_weights(cls, weights: Path | None) -> None:
        if weights is None or not (weights / "config.json").is_file():
            raise FileNotFoundError(
                f"a latent decoder must be a local AutoencoderKL directory (config.json + "
                f"weights, e.g. a pipeline's vae/ folder); nothing at {weights}"
            )

    @classmethod
    def build(cls, config: dict[str, Any], device: torch.device, dtype: str = "float32") -> Adapter:
        from diffusers import AutoencoderKL

        return cls(seeded(lambda: AutoencoderKL(**config)), device, dtype)

    def sample(
        self, n: int, generator: torch.Generator, latent_size: int | None = None
    ) -> torch.Tensor:
        config = self.vae.config
        size = latent_size or config.sample_size // 2 ** (len(config.block_out_channels) - 1)
        shape = (n, config.latent_channels, size, size)
        latents = torch.randn(shape, generator=generator, device=self.device, dtype=self.dtype)
        images = self.vae.decode(latents / config.scaling_factor).sample
        return (images / 2 + 0.5).clamp(0.0, 1.0)
