"""WaveGAN (Donahue et al., 2019) scaled down to 0.512 s clips at 8 kHz (4,096 samples).

The generator is DCGAN flattened to one dimension: a linear layer to 16 positions, then
four transposed convolutions (kernel 25, stride 4) up to 4,096 samples, ReLU between and
tanh at the end. The critic mirrors it with strided convolutions and LeakyReLU, and
*phase-shuffles* the activations after each of its layers: every example is shifted by a
random -n..n samples (reflection-padded), so the critic cannot tell real from fake by the
periodic artifacts that transposed convolutions leave at fixed phases.

Both are class-conditional: the generator sees the digit as a one-hot vector beside ``z``
(as ``dcgan.ConditionalGenerator``), the critic through a projection head (Miyato & Koyama,
2018), as ``dcgan.ProjectionDiscriminator``.
"""

from __future__ import annotations

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

KERNEL, STRIDE, UPSAMPLINGS = 25, 4, 4  # 16 → 64 → 256 → 1,024 → 4,096 samples


def _widths(width: int) -> list[int]:
    """Channels from the 16-position start to the waveform: 8w, 4w, 2w, w, 1."""
    return [width * 2**i for i in range(UPSAMPLINGS - 1, -1, -1)] + [1]


def _start_length(clip_samples: int) -> int:
    scale = STRIDE**UPSAMPLINGS
    if clip_samples % scale:
        raise ValueError(f"clip_samples must be a multiple of {scale}, got {clip_samples}")
    return clip_samples // scale


class WaveGANGenerator(nn.Module):
    """``forward(z [N, z_dim], labels [N]) -> waveforms [N, 1, clip_samples]`` in [-1, 1]."""

    def __init__(
        self,
        z_dim: int = 64,
        width: int = 16,
        num_classes: int = 10,
        clip_samples: int = 4096,
        sample_rate: int = 8000,
    ) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.clip_samples = clip_samples
        self.sample_rate = sample_rate
        widths = _widths(width)
        length = _start_length(clip_samples)
        self.project = nn.Sequential(
            nn.Linear(z_dim + num_classes, widths[0] * length), nn.Unflatten(1, (widths[0], length))
        )
        layers: list[nn.Module] = []
        for c_in, c_out in pairwise(widths):
            # padding 11 + output_padding 1: the output is exactly STRIDE × the input long
            layers += [nn.ReLU(), nn.ConvTranspose1d(c_in, c_out, KERNEL, STRIDE, 11, 1)]
        self.upsample = nn.Sequential(*layers, nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        one_hot = F.one_hot(labels, self.num_classes).to(z.dtype)
        return self.upsample(self.project(torch.cat([z, one_hot], dim=1)))


def phase_shuffle(x: torch.Tensor, reach: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each example of ``x [N, C, T]`` by its own uniform -reach..reach samples, filling
    the edge by reflection (Donahue et al. 2019, section 3.3)."""
    if reach == 0:
        return x
    n, channels, length = x.shape
    shifts = torch.randint(-reach, reach + 1, (n,), generator=generator, device=x.device)
    padded = F.pad(x, (reach, reach), mode="reflect")
    index = (reach - shifts)[:, None] + torch.arange(length, device=x.device)
    return padded.gather(2, index[:, None, :].expand(n, channels, length))


def _unchanged(module: nn.Module) -> nn.Module:
    return module


class WaveGANCritic(nn.Module):
    """``forward(waveforms, labels, generator) -> [N]`` scores (higher: more real); phase
    shuffle draws its shifts from ``generator``. ``spectral_norm`` bounds each layer's
    Lipschitz constant (Miyato et al. 2018), the cheap alternative to WaveGAN's gradient
    penalty that keeps a hinge-loss critic from overpowering the generator."""

    def __init__(
        self,
        width: int = 16,
        num_classes: int = 10,
        clip_samples: int = 4096,
        shuffle: int = 2,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        self.shuffle = shuffle
        normed = nn.utils.parametrizations.spectral_norm if spectral_norm else _unchanged
        widths = _widths(width)[::-1]  # 1, w, 2w, 4w, 8w
        self.convs = nn.ModuleList(
            normed(nn.Conv1d(c_in, c_out, KERNEL, STRIDE, padding=11))
            for c_in, c_out in pairwise(widths)
        )
        features = widths[-1] * _start_length(clip_samples)
        self.score = normed(nn.Linear(features, 1))
        self.embed = normed(nn.Embedding(num_classes, features))

    def forward(
        self, x: torch.Tensor, labels: torch.Tensor, generator: torch.Generator
    ) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = F.leaky_relu(conv(x), 0.2)
            if i < len(self.convs) - 1:  # as in WaveGAN: not after the last convolution
                x = phase_shuffle(x, self.shuffle, generator)
        features = x.flatten(1)
        return self.score(features).squeeze(1) + (self.embed(labels) * features).sum(dim=1)
