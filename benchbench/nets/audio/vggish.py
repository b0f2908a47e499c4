"""VGGish (Hershey et al. 2017) as the Fréchet Audio Distance uses it (Kilgour et al. 2019).

The front-end is the original's (AudioSet's ``mel_features``/``vggish_input``): 16 kHz mono,
25 ms periodic-Hann frames every 10 ms, a 512-point FFT magnitude, 64 mel bands from 125 to
7500 Hz (HTK mel scale, DC bin zeroed), ``log(mel + 0.01)``, then non-overlapping
0.96 s patches of 96 frames × 64 bands. The network is the VGG stack of the torchvggish
port, whose state dict (``vggish-10086976.pth``) loads as is. The embedding is the last
layer's pre-activation, 128-d, without the PCA whitening and 8-bit quantisation of the
AudioSet release: the FAD implementations (google-research's, fadtk, frechet_audio_distance)
drop the final ReLU and the post-processing the same way.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

SAMPLE_RATE = 16_000
STFT_WINDOW = 400  # 25 ms
STFT_HOP = 160  # 10 ms
FFT_SIZE = 512  # the next power of two above the window
MEL_BANDS = 64
MEL_LOW_HZ, MEL_HIGH_HZ = 125.0, 7500.0
LOG_OFFSET = 0.01
PATCH_FRAMES = 96  # 0.96 s, and patches do not overlap
EMBEDDING_SIZE = 128
# The shortest clip that gives one patch: 96 STFT frames (0.975 s at 16 kHz).
PATCH_SAMPLES = STFT_HOP * (PATCH_FRAMES - 1) + STFT_WINDOW


def hertz_to_mel(hertz: np.ndarray) -> np.ndarray:
    """The HTK mel scale that VGGish's front-end uses."""
    return 1127.0 * np.log1p(np.asarray(hertz, dtype=np.float64) / 700.0)


def mel_matrix() -> np.ndarray:
    """``[257, 64]`` triangular weights from FFT bins to mel bands (float64), peak 1 on the
    mel scale, the DC bin zeroed, as ``mel_features.spectrogram_to_mel_matrix`` builds them."""
    bins_mel = hertz_to_mel(np.linspace(0.0, SAMPLE_RATE / 2, FFT_SIZE // 2 + 1))
    edges = np.linspace(hertz_to_mel(MEL_LOW_HZ), hertz_to_mel(MEL_HIGH_HZ), MEL_BANDS + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel[:, None] - lower) / (center - lower)
    falling = (upper - bins_mel[:, None]) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0, :] = 0.0
    return weights


def log_mel_patches(waveforms: torch.Tensor) -> torch.Tensor:
    """``[N, P, 96, 64]`` log-mel patches (float64) of mono 16 kHz clips ``[N, samples]``;
    ``P`` is the number of whole 0.96 s patches, the rest of a clip is dropped as in the
    original."""
    if waveforms.shape[-1] < PATCH_SAMPLES:
        raise ValueError(
            f"VGGish needs clips of at least {PATCH_SAMPLES} samples at {SAMPLE_RATE} Hz "
            f"(one 0.96 s patch), got {waveforms.shape[-1]}"
        )
    frames = waveforms.double().unfold(-1, STFT_WINDOW, STFT_HOP)
    window = torch.hann_window(
        STFT_WINDOW, periodic=True, dtype=torch.float64, device=frames.device
    )
    magnitude = torch.fft.rfft(frames * window, n=FFT_SIZE).abs()
    mel = torch.from_numpy(mel_matrix()).to(frames.device)
    log_mel = torch.log(magnitude @ mel + LOG_OFFSET)
    return log_mel.unfold(-2, PATCH_FRAMES, PATCH_FRAMES).transpose(-1, -2)


def _vgg_stack() -> nn.Sequential:
    """Blocks of 3×3 convolutions + ReLU (64 | 128 | 256, 256 | 512, 512), each ending in
    2×2 max pooling: the torchvggish layer indices, so its state-dict keys match."""
    layers: list[nn.Module] = []
    channels = 1
    for block in ((64,), (128,), (256, 256), (512, 512)):
        for width in block:
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
            channels = width
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


class VGGish(nn.Module):
    """``[B, 1, 96, 64]`` log-mel patches → ``[B, 128]`` pre-activation embeddings."""

    def __init__(self) -> None:
        super().__init__()
        self.features = _vgg_stack()
        self.embeddings = nn.Sequential(
            nn.Linear(512 * 6 * 4, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, EMBEDDING_SIZE),  # no final ReLU: FAD's pre-activation
        )

    def forward(self, patches: torch.Tensor) -> torch.Tensor:
        x = self.features(patches)
        # flatten channels-last, as the TensorFlow original did, so its weights line up
        return self.embeddings(x.permute(0, 2, 3, 1).flatten(1))
