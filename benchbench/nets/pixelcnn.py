"""Gated PixelCNN (van den Oord et al., 2016) over 16×16 one-channel digits.

Quantisation: a pixel ``x`` in [0, 1] becomes the class ``round(x * (levels - 1))``, and a
sampled class ``q`` becomes the pixel ``q / (levels - 1)``; with the default 16 levels the
rounding error is at most 1/30. The model predicts a categorical distribution over the
levels of each pixel given the pixels before it in raster order, so ``forward`` gives
logits for cross-entropy and ``sample`` draws the 256 pixels one after another.

Two stacks avoid the blind spot of a plain masked PixelCNN: a *vertical* stack that sees
every pixel in the rows above, and a *horizontal* stack that sees the pixels to the left
in the current row and receives the vertical stack's features. Because the vertical
features of row ``i`` depend on rows above ``i`` only, sampling computes them once per row
and then runs only the cheap one-row horizontal stack once per pixel.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def quantise(x: torch.Tensor, levels: int) -> torch.Tensor:
    """Pixels in [0, 1] → integer classes in ``0..levels-1`` (int64)."""
    return torch.round(x.clamp(0.0, 1.0) * (levels - 1)).long()


def dequantise(q: torch.Tensor, levels: int) -> torch.Tensor:
    """Integer classes → pixels in [0, 1] (float32)."""
    return q.float() / (levels - 1)


class ShiftedConv2d(nn.Conv2d):
    """A convolution that sees only pixels above and/or to the left, by padding on one side.

    The input is padded by ``left`` and ``right`` columns and ``top`` rows (never below)
    and the output cropped back to the input's size, so output ``(i, j)`` sees input rows
    ``i - top .. i - top + kh - 1`` and columns ``j - left .. j - left + kw - 1``. Unlike a
    masked full kernel, no weight is stored or multiplied only to be zeroed.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int],
        pad: tuple[int, int, int],
    ) -> None:
        super().__init__(in_channels, out_channels, kernel)
        self.pad = pad  # (left, right, top)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        left, right, top = self.pad
        return super().forward(F.pad(x, (left, right, top, 0)))[..., :height, :width]


def vertical_conv(in_channels: int, out_channels: int, kernel: int, first: bool) -> ShiftedConv2d:
    """Sees the ``kernel // 2`` rows above, all ``kernel`` columns around, and the current row
    unless ``first``: later layers may see it, as their input at a row already depends
    only on the input rows above it.
    """
    half = kernel // 2
    return ShiftedConv2d(
        in_channels, out_channels, (half + int(not first), kernel), (half, half, half)
    )


def horizontal_conv(in_channels: int, out_channels: int, kernel: int, first: bool) -> ShiftedConv2d:
    """Sees the ``kernel // 2`` pixels to the left in the same row, and the current pixel unless
    ``first`` (the first layer must not see the value it predicts).
    """
    half = kernel // 2
    return ShiftedConv2d(in_channels, out_channels, (1, half + int(not first)), (half, 0, 0))


def gate(x: torch.Tensor) -> torch.Tensor:
    """The gated activation ``tanh(a) * sigmoid(b)`` over the two channel halves."""
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    """One vertical and one horizontal gated convolution, linked vertical → horizontal."""

    def __init__(self, channels: int, kernel: int, first: bool, size: int) -> None:
        super().__init__()
        in_channels = 1 if first else channels
        self.first = first
        self.vertical = vertical_conv(in_channels, 2 * channels, kernel, first)
        self.horizontal = horizontal_conv(in_channels, 2 * channels, kernel, first)
        self.link = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        # A learned bias per position: digits are centred, so where a pixel is says much
        # about what it should be, and a convolution alone cannot know where it is.
        self.position = nn.Parameter(torch.zeros(1, 2 * channels, size, size))

    def forward_vertical(self, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Next vertical features and the link term this row hands to the horizontal stack."""
        height, width = v.shape[-2:]
        pre = self.vertical(v) + self.position[..., :height, :width]
        return gate(pre), self.link(pre)

    def forward_horizontal(self, h: torch.Tensor, link: torch.Tensor) -> torch.Tensor:
        new = self.out(gate(self.horizontal(h) + link))
        return new if self.first else h + new  # residual once the channel counts match


class GatedPixelCNN(nn.Module):
    """``forward(x) -> logits [N, levels, 16, 16]``; ``sample(n, generator) -> images``."""

    def __init__(
        self, levels: int = 16, channels: int = 32, layers: int = 6, kernel: int = 5, size: int = 16
    ) -> None:
        super().__init__()
        self.levels = levels
        self.size = size
        self.layers = nn.ModuleList(
            GatedLayer(channels, kernel, i == 0, size) for i in range(layers)
        )
        self.head = nn.Sequential(
            nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, levels, 1)
        )

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        """Quantise, then centre: the network sees exactly the values it can generate."""
        return dequantise(quantise(x, self.levels), self.levels) * 2.0 - 1.0

    def _links(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The vertical stack's link terms, one per layer, for every row of ``x``."""
        links = []
        v = x
        for layer in self.layers:
            v, link = layer.forward_vertical(v)
            links.append(link)
        return links

    def _logits(self, x: torch.Tensor, links: list[torch.Tensor]) -> torch.Tensor:
        """The horizontal stack and output head; row by row independent given ``links``."""
        h = x
        for layer, link in zip(self.layers, links, strict=True):
            h = layer.forward_horizontal(h, link)
        return self.head(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, levels, H, W]`` of each pixel's level given the pixels before it."""
        x = self._input(x)
        return self._logits(x, self._links(x))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
        """Draw ``n`` images ``[n, 1, size, size]`` in [0, 1], one pixel at a time.

        ``generator`` must live on the module's device; every random draw goes through it,
        so equal seeds give equal images on the same device.
        """
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        device = next(self.parameters()).device
        x = torch.full((n, 1, self.size, self.size), -1.0, device=device)  # centred black
        for i in range(self.size):
            # Rows 0..i suffice: the vertical stack never looks down, so cropping is exact.
            links = [link[:, :, i : i + 1] for link in self._links(x[:, :, : i + 1])]
            for j in range(self.size):
                logits = self._logits(x[:, :, i : i + 1], links)[:, :, 0, j]
                probs = torch.softmax(logits.float() / temperature, dim=1)
                q = torch.multinomial(probs, 1, generator=generator)[:, 0]
                x[:, 0, i, j] = dequantise(q, self.levels) * 2.0 - 1.0
        return ((x + 1.0) / 2.0).clamp_(0.0, 1.0)
