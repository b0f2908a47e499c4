"""Named architectures for ``init: random``: full-size models built from configs, no weights.

Speed and memory depend on a model's shapes, not on its weight values, so a suite can
time Stable Diffusion 1.5 or GPT-2 on a machine that has never downloaded them: the
adapter's ``build`` makes the architecture from one of these configs with seeded
random weights. Quality metrics of such a model mean nothing, and a suite with a
random-init model may list none (``benchbench.suite.schema`` refuses them).

Each preset names the adapter family that builds it. The full-size configs are the
published ones (parameter counts are checked in the tests); the ``-tiny`` ones have the
same structure at toy widths, for CPU tests and ``benchmarks/gpu_vs_bare.py --tiny``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Preset:
    adapter: str  # the registered adapter whose ``build`` takes ``config``
    config: dict[str, Any]
    description: str


# Stable Diffusion 1.5 (runwayml/stable-diffusion-v1-5): UNet 859.5 M parameters, CLIP
# ViT-L/14 text encoder 123.1 M, KL autoencoder 83.7 M; PNDM scheduler as shipped.
SD15_UNET = {
    "sample_size": 64,
    "in_channels": 4,
    "out_channels": 4,
    "layers_per_block": 2,
    "block_out_channels": [320, 640, 1280, 1280],
    "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
    "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
    "cross_attention_dim": 768,
    "attention_head_dim": 8,
}
CLIP_L14_TEXT = {
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "projection_dim": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
}
SD_VAE = {
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "sample_size": 512,
}
SD15_SCHEDULER = {
    "class": "PNDMScheduler",
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1000,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "set_alpha_to_one": False,
}

SD_TINY = {
    "unet": {
        "sample_size": 8,
        "in_channels": 4,
        "out_channels": 4,
        "layers_per_block": 1,
        "block_out_channels": [32, 64],
        "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
        "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
        "cross_attention_dim": 32,
        "attention_head_dim": 4,
        "norm_num_groups": 8,
    },
    "text_encoder": {
        "hidden_size": 32,
        "intermediate_size": 37,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 77,
        "vocab_size": 1000,
        "bos_token_id": 256,
        "eos_token_id": 256,
        "pad_token_id": 256,
    },
    "vae": {
        "in_channels": 3,
        "out_channels": 3,
        "latent_channels": 4,
        "layers_per_block": 1,
        "block_out_channels": [16, 32],
        "down_block_types": ["DownEncoderBlock2D"] * 2,
        "up_block_types": ["UpDecoderBlock2D"] * 2,
        "norm_num_groups": 8,
        "sample_size": 16,
    },
    "scheduler": SD15_SCHEDULER,
}

# google/ddpm-cifar10-32: the UNet of Ho et al. (2020) for CIFAR-10, 35.7 M parameters.
DDPM_CIFAR10 = {
    "sample_size": 32,
    "in_channels": 3,
    "out_channels": 3,
    "layers_per_block": 2,
    "block_out_channels": [128, 256, 256, 256],
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
    "downsample_padding": 0,
    "flip_sin_to_cos": False,
    "freq_shift": 1,
    "norm_eps": 1e-6,
}

PRESETS: dict[str, Preset] = {
    "sd15": Preset(
        "text2image",
        {
            "unet": SD15_UNET,
            "text_encoder": CLIP_L14_TEXT,
            "vae": SD_VAE,
            "scheduler": SD15_SCHEDULER,
        },
        "Stable Diffusion 1.5: UNet2DConditionModel, CLIP ViT-L/14 text encoder, KL VAE",
    ),
    "sd-tiny": Preset("text2image", SD_TINY, "Stable Diffusion's structure at toy widths"),
    "sd-vae": Preset("latent-decoder", SD_VAE, "Stable Diffusion's KL autoencoder (83.7 M)"),
    "sd-vae-tiny": Preset("latent-decoder", SD_TINY["vae"], "the SD VAE at toy widths"),
    "ddpm-cifar10": Preset("diffusion", DDPM_CIFAR10, "DDPM CIFAR-10 UNet (Ho et al. 2020)"),
    "ddpm-tiny": Preset(
        "diffusion",
        {
            "sample_size": 8,
            "in_channels": 3,
            "out_channels": 3,
            "layers_per_block": 1,
            "block_out_channels": [16, 32],
            "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
            "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
            "norm_num_groups": 8,
        },
        "the DDPM UNet's structure at toy widths",
    ),
    "dcgan-64": Preset(
        "gan",
        {"arch": "dcgan64-generator", "z_dim": 100, "width": 64},
        "DCGAN generator, 64×64 RGB (Radford et al. 2016)",
    ),
    "dcgan-tiny": Preset(
        "gan", {"arch": "dcgan64-generator", "z_dim": 16, "width": 4}, "DCGAN at toy width"
    ),
    # GPT2Config's defaults are GPT-2 small: 12 layers, 768 wide, 1024 positions, 124.4 M.
    "gpt2-small": Preset("hf-causal-lm", {}, "GPT-2 small (124 M), byte-level tokenizer"),
    "gpt2-tiny": Preset(
        "hf-causal-lm",
        {"n_embd": 32, "n_layer": 2, "n_head": 2, "n_positions": 256},
        "GPT-2 at toy width",
    ),
}


class ConfigError(ValueError):
    """A ``config:`` that names no preset, or a preset of another family."""


def resolve_config(config: str | dict[str, Any], adapter: str) -> dict[str, Any]:
    """The architecture config of a suite model: a preset's, or the mapping given."""
    if isinstance(config, dict):
        return config
    if config not in PRESETS:
        from benchbench.registry import did_you_mean

        hint = did_you_mean(config, list(PRESETS))
        raise ConfigError(
            f"no architecture preset {config!r}"
            + (f"; did you mean {hint!r}?" if hint else "")
            + f" (presets: {', '.join(PRESETS)})"
        )
    preset = PRESETS[config]
    if preset.adapter != adapter:
        raise ConfigError(
            f"preset {config!r} is built by the {preset.adapter!r} adapter, not {adapter!r}"
        )
    return preset.config


def byte_tokenizer(max_length: int) -> Any:
    """A byte-level tokenizer (one token per UTF-8 byte, ids 0..256) for random-weight
    models, built in memory, so none is downloaded. A prompt costs more tokens than with a
    trained BPE; a generated token, or a text encoder's padded 77, cost the same."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from transformers import PreTrainedTokenizerFast

    end = "<|endoftext|>"
    symbols = sorted(pre_tokenizers.ByteLevel.alphabet())
    bpe = Tokenizer(BPE(vocab={t: i for i, t in enumerate([*symbols, end])}, merges=[]))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token=end,
        eos_token=end,
        unk_token=end,
        pad_token=end,
        model_max_length=max_length,
    )
