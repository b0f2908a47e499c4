"""The embedded zoo: small models trained by this project's own recipes, shipped with the
package.

No machine here reaches a model hub, so the default suites run on models that ship
with the package: image models trained on the ``train`` split of scikit-learn's digits
(16×16), with the ``test`` split held out as the reference set for quality metrics, and
language models and a text encoder trained on stdlib prose. Each entry names its weights
under ``benchbench/zoo/weights/``, the recipe that made them (``benchbench.train``), and a
model card (``<name>.card.json`` beside the weights, for every entry) with the seed,
losses, training time, parameter count and the weights' sha256.

Importing this module is cheap (no torch, no recipe).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchbench.registry import UnknownNameError

WEIGHTS_DIR = Path(__file__).parent / "weights"


@dataclass(frozen=True)
class ZooEntry:
    name: str  # catalogue name, also the stem of the weights and card files
    family: str  # "gan" | "vae" | "diffusion" | "autoregressive" | "feature-extractor" | ...
    weights: str  # file (benchbench checkpoint) or directory (diffusers) under WEIGHTS_DIR
    recipe: str  # lazy "module:function" that trains the model and writes weights + card
    description: str  # one honest line


ZOO: dict[str, ZooEntry] = {
    entry.name: entry
    for entry in (
        ZooEntry(
            "dcgan-digits",
            "gan",
            "dcgan-digits.pt",
            "benchbench.train.recipes:train_dcgan",
            "DCGAN generator (EMA weights), z ~ N(0, I) of 32 dims → 16×16 digits.",
        ),
        ZooEntry(
            "cgan-digits",
            "gan",
            "cgan-digits.pt",
            "benchbench.train.recipes:train_cgan",
            "dcgan-digits conditioned on the digit class (one-hot beside z; projection "
            "discriminator in training).",
        ),
        ZooEntry(
            "vae-digits",
            "vae",
            "vae-digits.pt",
            "benchbench.train.recipes:train_vae",
            "Convolutional VAE with a 16-dim Gaussian latent; samples are blurrier than data.",
        ),
        ZooEntry(
            "ddpm-digits",
            "diffusion",
            "ddpm-digits",
            "benchbench.train.recipes:train_ddpm",
            "Small diffusers UNet2DModel (EMA weights), DDPM epsilon objective, cosine schedule.",
        ),
        ZooEntry(
            "cddpm-digits",
            "diffusion",
            "cddpm-digits",
            "benchbench.train.recipes:train_cddpm",
            "ddpm-digits conditioned on the digit class, with a null class for classifier-free "
            "guidance.",
        ),
        ZooEntry(
            "digits-clip",
            "text-image-encoder",
            "digits-clip.pt",
            "benchbench.train.recipes:train_digits_clip",
            "Small contrastive image-text model on digits and prompt templates; not CLIP.",
        ),
        ZooEntry(
            "pixelcnn-digits",
            "autoregressive",
            "pixelcnn-digits.pt",
            "benchbench.train.recipes:train_pixelcnn",
            "Gated PixelCNN over 16 intensity levels, sampled pixel by pixel (256 steps).",
        ),
        ZooEntry(
            "digits-cnn",
            "feature-extractor",
            "digits-cnn.pt",
            "benchbench.train.recipes:train_classifier",
            "Digit classifier; its 64-dim penultimate layer is the digits-CNN feature space.",
        ),
        ZooEntry(
            "spoken-digits-cnn",
            "feature-extractor",
            "spoken-digits-cnn.pt",
            "benchbench.train.audio_features:train_spoken_digits_cnn",
            "Log-mel CNN classifier of the synthetic spoken digits (8 kHz); its 64-dim "
            "penultimate layer is the spoken-digits-CNN feature space. Not VGGish.",
        ),
        ZooEntry(
            "moving-digits-cnn",
            "feature-extractor",
            "moving-digits-cnn.pt",
            "benchbench.train.video_features:train_moving_digits_cnn",
            "(2+1)-D CNN classifier of moving-digits clips (digit and direction, 16 frames, "
            "8 fps); its 64-dim clip vector is the moving-digits-CNN feature space, its "
            "64-dim frame vector the per-frame one. Not I3D.",
        ),
        # audio generators: spoken digits (8 kHz, 0.512 s), benchbench.train.audio_recipes;
        # family = the adapter that samples them
        ZooEntry(
            "wavenet-digits",
            "wavenet",
            "wavenet-digits.pt",
            "benchbench.train.audio_recipes:train_wavenet",
            "Small WaveNet over 8-bit µ-law samples, conditioned on the digit and a coarse "
            "clock; one network step per sample (4,096 per clip).",
        ),
        ZooEntry(
            "wavegan-digits",
            "wavegan",
            "wavegan-digits.pt",
            "benchbench.train.audio_recipes:train_wavegan",
            "Small class-conditional WaveGAN generator (EMA weights): one pass per clip.",
        ),
        ZooEntry(
            "diffwave-digits",
            "diffwave",
            "diffwave-digits.pt",
            "benchbench.train.audio_recipes:train_diffwave",
            "Small DiffWave-style denoiser (EMA weights), conditioned on the digit and a coarse "
            "clock; DDPM or DDIM, one pass per step.",
        ),
        # video generators: moving digits (16 frames of 32×32 at 8 fps),
        # benchbench.train.video_recipes; family = the adapter that samples them
        ZooEntry(
            "videogan-digits",
            "videogan",
            "videogan-digits.pt",
            "benchbench.train.video_recipes:train_videogan",
            "Small class-conditional VideoGAN (EMA weights): a still background, a moving "
            "foreground and its mask; one pass per clip.",
        ),
        ZooEntry(
            "video-diffusion-digits",
            "video-diffusion",
            "video-diffusion-digits.pt",
            "benchbench.train.video_recipes:train_video_diffusion",
            "Small class-conditional diffusion transformer over 2×8×8 space-time patches "
            "(EMA weights); DDPM or DDIM, one pass per step.",
        ),
        # text: language models and a BERTScore encoder trained on stdlib prose
        ZooEntry(
            "gpt-prose",
            "hf-causal-lm",
            "gpt-prose",
            "benchbench.train.text_recipes:train_gpt",
            "GPT-2 architecture (2 layers, 128 wide, byte-level BPE of 1,024) on stdlib prose.",
        ),
        ZooEntry(
            "ngram-prose",
            "ngram-lm",
            "ngram-prose.npz",
            "benchbench.train.text_recipes:train_ngram",
            "Word trigram model with interpolated Kneser-Ney smoothing on stdlib prose.",
        ),
        ZooEntry(
            "lstm-prose",
            "lstm-lm",
            "lstm-prose.pt",
            "benchbench.train.text_recipes:train_lstm",
            "Byte-level LSTM (1 layer, 256 units) on stdlib prose.",
        ),
        ZooEntry(
            "prose-roberta-tiny",
            "text-encoder",
            "prose-roberta-tiny",
            "benchbench.train.text_recipes:train_encoder",
            "RoBERTa architecture (2 layers, 128 wide), masked LM on stdlib prose: "
            "the embedded BERTScore and MAUVE encoder.",
        ),
    )
}


def entry(name: str) -> ZooEntry:
    """The catalogue entry for ``name``; unknown names raise with a suggestion."""
    if name not in ZOO:
        raise UnknownNameError("zoo model", name, list(ZOO))
    return ZOO[name]


def weights_path(name: str, root: Path | None = None) -> Path:
    """The weights of ``name``: a checkpoint file, or for ``ddpm-digits`` a diffusers folder."""
    return (root or WEIGHTS_DIR) / entry(name).weights


def card_path(name: str, root: Path | None = None) -> Path:
    """One rule for every entry: ``<name>.card.json`` beside the weights."""
    return (root or WEIGHTS_DIR) / f"{entry(name).name}.card.json"


def card(name: str, root: Path | None = None) -> dict[str, Any]:
    """The model card of ``name`` (the shipped one unless ``root`` says where else)."""
    return json.loads(card_path(name, root).read_text())
