"""The recipe of the embedded audio feature extractor ``spoken-digits-cnn``.

Kept apart from the generators' recipes (``train/audio_recipes.py``): it trains the
network the audio metrics embed in, as ``train_classifier`` does for ``digits-cnn``,
with the same seeded loop, checkpoint and model card (``train/recipes.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE, load_spoken_digits
from benchbench.nets.audio_classifier import SpokenDigitsCNN
from benchbench.train.recipes import fit_classifier

SPOKEN_DIGITS_CNN_CONFIG: dict[str, Any] = {
    "sample_rate": SAMPLE_RATE,
    "n_fft": 256,
    "hop": 64,
    "n_mels": 40,
    "width": 16,
    "feature_dim": 64,
    "num_classes": 10,
}
MAX_SHIFT = 512  # samples (64 ms) of random circular shift in training
GAIN_RANGE = (0.5, 1.25)  # random gain in training, clipped back to [-1, 1]


def augment_audio(waveforms: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random gain and a random circular shift of up to ``MAX_SHIFT`` samples per clip.

    The onsets and levels of generated clips are rarely those of the data; the
    extractor's features should follow the sound, not where or how loud it is. No noise
    is added, so the features stay sensitive to it (the noise validity checks rely on it).
    """
    n = len(waveforms)
    low, high = GAIN_RANGE
    gains = low + (high - low) * torch.rand(n, 1, 1, generator=generator, device=waveforms.device)
    shifts = torch.randint(
        -MAX_SHIFT, MAX_SHIFT + 1, (n,), generator=generator, device=waveforms.device
    )
    positions = (torch.arange(waveforms.shape[-1], device=waveforms.device) - shifts[:, None]) % (
        waveforms.shape[-1]
    )
    shifted = torch.gather(waveforms, 2, positions[:, None, :])
    return (shifted * gains).clamp(-1.0, 1.0)


def train_spoken_digits_cnn(
    out_dir: Path, seed: int = 0, epochs: int = 30, device: str = "cpu"
) -> dict[str, Any]:
    """``spoken-digits-cnn``: ``fit_classifier`` (cross-entropy, AdamW, cosine schedule)
    with gain and shift augmentation; the card also says which data it saw."""
    data = {
        "dataset": "spoken-digits",
        "split": "train",
        "sample_rate": SAMPLE_RATE,
        "clip_samples": CLIP_SAMPLES,
    }
    return fit_classifier(
        "spoken-digits-cnn",
        lambda: SpokenDigitsCNN(**SPOKEN_DIGITS_CNN_CONFIG),
        SPOKEN_DIGITS_CNN_CONFIG,
        augment_audio,
        load_spoken_digits,
        out_dir,
        seed,
        epochs,
        device,
        data,
    )
