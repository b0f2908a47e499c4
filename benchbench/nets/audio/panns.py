"""PANNs CNN14 (Kong et al. 2020, "PANNs: Large-Scale Pretrained Audio Neural Networks"),
the AudioSet tagger whose 2048-d embedding fadtk and AudioLDM's evaluation compare clips in.

The layer names are those of the released checkpoint (``Cnn14_mAP=0.431.pth``, a dict whose
``"model"`` entry is the state dict), so it loads strictly. Its front-end is torchlibrosa's,
kept as the checkpoint's own tensors: 32 kHz mono, a 1024-point STFT every 320 samples
(periodic Hann window, centred frames with reflect padding) computed as two 1-D
convolutions, the power spectrum through 64 Slaney mel filters from 50 to 14,000 Hz, and
``10 · log10(max(mel, 1e-10))``. The embedding is ``relu(fc1(max_t + mean_t))`` of the last
convolutional block, averaged over mel bands; the AudioSet head (``fc_audioset``, 527
classes) is part of the checkpoint but not of the embedding.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SAMPLE_RATE = 32_000
FFT_SIZE = 1024
HOP = 320
MEL_BANDS = 64
MEL_LOW_HZ, MEL_HIGH_HZ = 50.0, 14_000.0
AMIN = 1e-10  # the power floor before the decibel conversion
AUDIOSET_CLASSES = 527
EMBEDDING_SIZE = 2048
BLOCK_WIDTHS = (64, 128, 256, 512, 1024, 2048)
# Five 2×2 poolings need 32 STFT frames; centred frames number 1 + samples // HOP.
MIN_SAMPLES = HOP * (2**5 - 1)

_SLANEY_LINEAR_HZ = 200.0 / 3  # Hz per mel below 1 kHz
_SLANEY_LOG_STEP = np.log(6.4) / 27.0  # log-Hz per mel above 1 kHz
_SLANEY_BREAK_MEL = 1000.0 / _SLANEY_LINEAR_HZ


def slaney_hz_to_mel(hertz: np.ndarray) -> np.ndarray:
    """Slaney's Auditory Toolbox mel scale (librosa's default): linear below 1 kHz, log above."""
    hertz = np.asarray(hertz, dtype=np.float64)
    log_part = _SLANEY_BREAK_MEL + np.log(np.maximum(hertz, 1000.0) / 1000.0) / _SLANEY_LOG_STEP
    return np.where(hertz >= 1000.0, log_part, hertz / _SLANEY_LINEAR_HZ)


def slaney_mel_to_hz(mels: np.ndarray) -> np.ndarray:
    mels = np.asarray(mels, dtype=np.float64)
    log_part = 1000.0 * np.exp(_SLANEY_LOG_STEP * (mels - _SLANEY_BREAK_MEL))
    return np.where(mels >= _SLANEY_BREAK_MEL, log_part, mels * _SLANEY_LINEAR_HZ)


def mel_filters() -> np.ndarray:
    """``[513, 64]`` area-normalised triangular filters (librosa's ``filters.mel`` with its
    defaults, transposed), the initial value of the checkpoint's ``melW``."""
    fft_hz = np.linspace(0.0, SAMPLE_RATE / 2, FFT_SIZE // 2 + 1)
    band_mels = np.linspace(
        slaney_hz_to_mel(MEL_LOW_HZ), slaney_hz_to_mel(MEL_HIGH_HZ), MEL_BANDS + 2
    )
    edges = slaney_mel_to_hz(band_mels)
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.T


class _DFTConvolutions(nn.Module):
    """torchlibrosa's STFT: Hann-windowed DFT rows as two 1-D convolutions (real, imaginary)."""

    def __init__(self) -> None:
        super().__init__()
        bins = FFT_SIZE // 2 + 1
        angle = 2 * np.pi * np.outer(np.arange(bins), np.arange(FFT_SIZE)) / FFT_SIZE
        window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FFT_SIZE) / FFT_SIZE)  # periodic
        self.conv_real = nn.Conv1d(1, bins, FFT_SIZE, stride=HOP, bias=False)
        self.conv_imag = nn.Conv1d(1, bins, FFT_SIZE, stride=HOP, bias=False)
        for conv, rows in ((self.conv_real, np.cos(angle)), (self.conv_imag, -np.sin(angle))):
            conv.weight.data = torch.from_numpy(rows * window).float()[:, None, :]
            conv.weight.requires_grad_(False)


class _Spectrogram(nn.Module):
    """``[B, samples]`` → power spectrogram ``[B, 1, frames, 513]``, frames centred."""

    def __init__(self) -> None:
        super().__init__()
        self.stft = _DFTConvolutions()

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        padded = F.pad(waveforms[:, None, :], (FFT_SIZE // 2, FFT_SIZE // 2), mode="reflect")
        real, imag = self.stft.conv_real(padded), self.stft.conv_imag(padded)
        return (real**2 + imag**2).transpose(1, 2)[:, None]


class _LogMel(nn.Module):
    """Power spectrogram → decibels in 64 mel bands (reference power 1, no top-dB clip)."""

    def __init__(self) -> None:
        super().__init__()
        self.melW = nn.Parameter(torch.from_numpy(mel_filters()).float(), requires_grad=False)

    def forward(self, power: torch.Tensor) -> torch.Tensor:
        return 10.0 * torch.log10((power @ self.melW).clamp(min=AMIN))


class _ConvBlock(nn.Module):
    """Two 3×3 convolutions (no bias), each with batch norm and ReLU, then average pooling."""

    def __init__(self, channels_in: int, channels_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.bn2 = nn.BatchNorm2d(channels_out)

    def forward(self, x: torch.Tensor, pool: int) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.avg_pool2d(x, pool)


class Cnn14(nn.Module):
    """Mono 32 kHz clips ``[B, samples]`` → ``[B, 2048]`` embeddings (inference only: the
    training-time SpecAugment and dropout are not part of it)."""

    def __init__(self) -> None:
        super().__init__()
        self.spectrogram_extractor = _Spectrogram()
        self.logmel_extractor = _LogMel()
        self.bn0 = nn.BatchNorm2d(MEL_BANDS)
        widths = (1, *BLOCK_WIDTHS)
        for index in range(len(BLOCK_WIDTHS)):
            self.add_module(f"conv_block{index + 1}", _ConvBlock(widths[index], widths[index + 1]))
        self.fc1 = nn.Linear(EMBEDDING_SIZE, EMBEDDING_SIZE)
        self.fc_audioset = nn.Linear(EMBEDDING_SIZE, AUDIOSET_CLASSES)

    def log_mel(self, waveforms: torch.Tensor) -> torch.Tensor:
        """``[B, 1, frames, 64]`` log-mel input of the convolutional blocks (before ``bn0``)."""
        return self.logmel_extractor(self.spectrogram_extractor(waveforms))

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        x = self.log_mel(waveforms)
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)  # normalised per mel band
        for index in range(len(BLOCK_WIDTHS)):
            last = index == len(BLOCK_WIDTHS) - 1
            x = getattr(self, f"conv_block{index + 1}")(x, pool=1 if last else 2)
        x = x.mean(dim=3)  # over mel bands: [B, 2048, frames]
        x = x.amax(dim=2) + x.mean(dim=2)
        return F.relu(self.fc1(x))
