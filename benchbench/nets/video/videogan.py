"""VideoGAN (Vondrick et al., 2016) scaled down to 16 frames of 32×32 grey pixels.

The generator has two streams fed by the same code (``z`` beside the digit as a one-hot
vector, as ``dcgan.ConditionalGenerator``):

- a **background** stream of 2-D transposed convolutions draws one still frame;
- a **foreground** stream of 3-D transposed convolutions draws, for every frame, a
  foreground image and a mask.

Each frame is ``mask · foreground + (1 − mask) · background``: the model can keep a static
scene and move only what the mask covers, which is the paper's prior for video. All three
end in a sigmoid, so clips are in [0, 1] by construction. Every transposed convolution
doubles each dimension (kernel 4, stride 2, padding 1), from a start of
``frames / 8 × size / 8 × size / 8``.

The critic mirrors the foreground stream with strided 3-D convolutions (spectral norm,
LeakyReLU), so it sees motion, not only frames, and judges the digit through a projection
head (Miyato & Koyama, 2018), as ``dcgan.ProjectionDiscriminator``.
"""

from __future__ import annotations

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

UPSAMPLINGS = 3  # each dimension grows 8× from the first block to the clip
KERNEL, STRIDE, PADDING = 4, 2, 1  # doubles a dimension exactly


def _start(frames: int, size: int) -> tuple[int, int]:
    """(frames, side) of the first block: the clip's divided by 2**UPSAMPLINGS."""
    scale = 2**UPSAMPLINGS
    if frames % scale or size % scale:
        raise ValueError(f"frames and size must be multiples of {scale}, got {frames} and {size}")
    return frames // scale, size // scale


def _widths(width: int) -> list[int]:
    """Channels of the blocks from the start to the last hidden one: 4w, 2w, w."""
    return [width * 2**i for i in range(UPSAMPLINGS - 1, -1, -1)]


def _upsampling(conv: type[nn.Module], norm: type[nn.Module], widths: list[int], out: int):
    """Transposed convolutions through ``widths`` to ``out`` channels, batch norm and ReLU
    between them (DCGAN's generator, in 2-D or 3-D)."""
    layers: list[nn.Module] = []
    for c_in, c_out in pairwise(widths):
        layers += [conv(c_in, c_out, KERNEL, STRIDE, PADDING), norm(c_out), nn.ReLU()]
    return nn.Sequential(*layers, conv(widths[-1], out, KERNEL, STRIDE, PADDING))


class VideoGANGenerator(nn.Module):
    """``forward(z [N, z_dim], labels [N]) -> videos [N, frames, 1, size, size]`` in [0, 1]."""

    def __init__(
        self,
        z_dim: int = 64,
        width: int = 32,
        num_classes: int = 10,
        frames: int = 16,
        size: int = 32,
        frame_rate: int = 8,
    ) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.frames = frames
        self.size = size
        self.frame_rate = frame_rate
        start_frames, side = _start(frames, size)
        widths = _widths(width)
        code = z_dim + num_classes
        self.background = nn.Sequential(
            nn.Linear(code, widths[0] * side * side),
            nn.Unflatten(1, (widths[0], side, side)),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
            _upsampling(nn.ConvTranspose2d, nn.BatchNorm2d, widths, 1),
        )
        self.foreground = nn.Sequential(
            nn.Linear(code, widths[0] * start_frames * side * side),
            nn.Unflatten(1, (widths[0], start_frames, side, side)),
            nn.BatchNorm3d(widths[0]),
            nn.ReLU(),
            _upsampling(nn.ConvTranspose3d, nn.BatchNorm3d, widths, 2),  # foreground, mask
        )

    def streams(
        self, z: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(background [N, 1, 1, H, W], foreground and mask [N, frames, 1, H, W]), in [0, 1]."""
        code = torch.cat([z, F.one_hot(labels, self.num_classes).to(z.dtype)], dim=1)
        background = torch.sigmoid(self.background(code))[:, None]
        foreground, mask = torch.sigmoid(self.foreground(code)).transpose(1, 2).chunk(2, dim=2)
        return background, foreground, mask

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        background, foreground, mask = self.streams(z, labels)
        return mask * foreground + (1.0 - mask) * background


class VideoGANCritic(nn.Module):
    """``forward(videos [N, frames, 1, H, W], labels [N]) -> [N]`` scores (higher: more real)."""

    def __init__(
        self, width: int = 32, num_classes: int = 10, frames: int = 16, size: int = 32
    ) -> None:
        super().__init__()
        start_frames, side = _start(frames, size)
        widths = [1, *_widths(width)[::-1]]  # 1, w, 2w, 4w
        sn = nn.utils.parametrizations.spectral_norm
        self.convs = nn.ModuleList(
            sn(nn.Conv3d(c_in, c_out, KERNEL, STRIDE, PADDING)) for c_in, c_out in pairwise(widths)
        )
        features = widths[-1] * start_frames * side * side
        self.score = sn(nn.Linear(features, 1))
        self.embed = sn(nn.Embedding(num_classes, features))

    def forward(self, videos: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = videos.transpose(1, 2) * 2.0 - 1.0  # [N, 1, frames, H, W], centred
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.2)
        features = x.flatten(1)
        return self.score(features).squeeze(1) + (self.embed(labels) * features).sum(dim=1)
