"""``SpokenDigitsCNN``: a classifier of 8 kHz clips whose penultimate layer is the
``spoken-digits-cnn`` extractor, and ``LogMel``, its fixed front-end.

The front-end is part of the network (no learned weights, no randomness), so a
checkpoint alone says how waveforms become features:

- STFT: ``n_fft`` = 256 samples (32 ms at 8 kHz), periodic Hann window of the same
  length, hop 64 (8 ms), centred with zero padding: 4,096 samples give 65 frames;
- power spectrum ``|X|²`` through ``n_mels`` = 40 triangular mel filters (HTK mel scale,
  ``2595 log10(1 + f / 700)``, from 0 Hz to the Nyquist frequency, unnormalised);
- natural log of the mel power plus ``LOG_FLOOR`` = 0.01 (VGGish's log offset too):
  about 37 dB below a typical clip's loudest band (median peak mel power 47), so the
  digital silence around a digit and faint noise both sit near log(0.01), and features
  move gradually with a noise's level. (With a floor of 1e-6, white noise at 30 dB SNR
  already moved silent bands by 8 nats, and FD did not rise from 30 to 20 dB.)

The network: batch norm of the log-mel image, three conv blocks (3×3 convolutions,
batch norm, ReLU, 2×2 max pooling after the first two), adaptive average pooling to
5 mel × 4 time cells, a linear layer to ``feature_dim`` with ReLU (``features``), and a
linear classifier (``logits``). The pooling adapts, so clips longer than the 4,096
samples it was trained on are embedded whole.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LOG_FLOOR = 0.01


def mel_filterbank(n_freqs: int, n_mels: int, sample_rate: int) -> torch.Tensor:
    """``[n_freqs, n_mels]`` triangular filters, equally spaced on the HTK mel scale from
    0 Hz to ``sample_rate / 2``, peak 1 (float64 arithmetic, float32 result)."""

    def mel(hz: torch.Tensor) -> torch.Tensor:
        return 2595.0 * torch.log10(1.0 + hz / 700.0)

    def hz(mel_value: torch.Tensor) -> torch.Tensor:
        return 700.0 * (10.0 ** (mel_value / 2595.0) - 1.0)

    nyquist = torch.tensor(sample_rate / 2.0, dtype=torch.float64)
    bins = torch.linspace(0.0, float(nyquist), n_freqs, dtype=torch.float64)
    edges = hz(torch.linspace(0.0, float(mel(nyquist)), n_mels + 2, dtype=torch.float64))
    low, centre, high = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins[:, None] - low) / (centre - low)
    falling = (high - bins[:, None]) / (high - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0.0).float()


class LogMel(nn.Module):
    """Waveforms ``[N, 1, samples]`` → log-mel power ``[N, 1, n_mels, frames]``."""

    def __init__(self, sample_rate: int, n_fft: int, hop: int, n_mels: int) -> None:
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        # Computed, not learned: kept out of the state dict, so the checkpoint holds weights only.
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.register_buffer(
            "filters", mel_filterbank(n_fft // 2 + 1, n_mels, sample_rate), persistent=False
        )

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        padded = F.pad(waveforms[:, 0], (self.n_fft // 2, self.n_fft // 2))
        spectrum = torch.stft(
            padded, self.n_fft, self.hop, window=self.window, center=False, return_complex=True
        )
        power = spectrum.real.square() + spectrum.imag.square()  # [N, freqs, frames]
        mel = torch.einsum("nft,fm->nmt", power, self.filters)
        return torch.log(mel + LOG_FLOOR).unsqueeze(1)


def _conv_block(in_channels: int, out_channels: int, pool: bool) -> nn.Sequential:
    """A 3×3 conv + batch norm + ReLU, then 2×2 max pooling when ``pool``."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]
    return nn.Sequential(*layers, nn.MaxPool2d(2)) if pool else nn.Sequential(*layers)


class SpokenDigitsCNN(nn.Module):
    """Mono 8 kHz waveforms ``[N, 1, samples]`` in [-1, 1] → ``features [N, feature_dim]``
    (non-negative, post-ReLU) → ``logits [N, num_classes]``."""

    POOLED = (5, 4)  # mel × time cells before the linear layer

    def __init__(
        self,
        sample_rate: int = 8000,
        n_fft: int = 256,
        hop: int = 64,
        n_mels: int = 40,
        width: int = 16,
        feature_dim: int = 64,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        self.feature_dim = feature_dim
        self.front = LogMel(sample_rate, n_fft, hop, n_mels)
        self.body = nn.Sequential(
            nn.BatchNorm2d(1),
            _conv_block(1, width, pool=True),
            _conv_block(width, 2 * width, pool=True),
            _conv_block(2 * width, 4 * width, pool=False),
            nn.AdaptiveAvgPool2d(self.POOLED),
            nn.Flatten(),
            nn.Linear(4 * width * math.prod(self.POOLED), feature_dim),
            nn.ReLU(inplace=True),
        )
        self.classify = nn.Linear(feature_dim, num_classes)

    def features(self, waveforms: torch.Tensor) -> torch.Tensor:
        """The penultimate activations, ``[N, feature_dim]``."""
        return self.body(self.front(waveforms))

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(waveforms))
