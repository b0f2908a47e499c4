"""WaveNet (van den Oord et al., 2016) over 8-bit µ-law codes of 8 kHz spoken digits.

The waveform becomes 256 µ-law classes; the net predicts a categorical distribution over
the class of sample ``t`` from the classes before it, through stacks of causal dilated
convolutions (kernel 2, dilations 1, 2, ..., 64 per stack) with gated activations,
residual and skip connections, conditioned on the digit and a coarse clock (see
``conditioning``). Input position ``t`` holds the class of sample ``t - 1`` (a silent start
code at ``t = 0``), so ``forward`` gives the logits of every sample in one pass.

Sampling draws one sample per network evaluation. ``sample(cached=False)`` is the naive
sampler: for each sample it recomputes the whole receptive field. ``sample(cached=True)``
is Fast WaveNet (Paine et al., 2016): each layer keeps a queue of its past inputs, so a
step costs one position per layer. Both draw from the same uniforms with the same inverse
CDF, so they give the same samples.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from benchbench.nets.audio.conditioning import DigitClock


def mu_law_encode(waveforms: torch.Tensor, classes: int = 256) -> torch.Tensor:
    """Waveforms in [-1, 1] → µ-law classes ``0 .. classes - 1`` (int64), µ = classes - 1."""
    mu = classes - 1
    x = waveforms.clamp(-1.0, 1.0)
    companded = torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
    return ((companded + 1.0) / 2.0 * mu + 0.5).floor().long().clamp(0, mu)


def mu_law_decode(codes: torch.Tensor, classes: int = 256) -> torch.Tensor:
    """µ-law classes → waveforms in [-1, 1] (float32); the inverse of ``mu_law_encode`` up
    to its quantisation step."""
    mu = classes - 1
    companded = codes.float() / mu * 2.0 - 1.0
    return torch.sign(companded) * ((1.0 + mu) ** companded.abs() - 1.0) / mu


def draw(logits: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draws: the first class whose cumulative probability reaches each uniform.
    Given the same uniforms, equal logits give equal classes, whichever sampler made them."""
    cdf = torch.softmax(logits.float(), dim=-1).cumsum(dim=-1)
    return (cdf < uniforms[:, None]).sum(dim=-1).clamp(max=logits.shape[-1] - 1)


class ResidualLayer(nn.Module):
    """One causal dilated convolution (kernel 2), gated, with residual and skip outputs."""

    def __init__(self, channels: int, skip_channels: int, dilation: int, cond_dim: int) -> None:
        super().__init__()
        self.dilation = dilation
        self.skip_channels = skip_channels
        self.conv = nn.Conv1d(channels, 2 * channels, 2, dilation=dilation)
        self.cond = nn.Conv1d(cond_dim, 2 * channels, 1, bias=False)
        self.out = nn.Conv1d(channels, channels + skip_channels, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Every position of ``x [N, C, T]`` given the conditioning vectors ``[N, D, T]``;
        left zero padding stands for the time before the clip."""
        return self._finish(x, self.conv(F.pad(x, (self.dilation, 0))) + self.cond(cond))

    def step(
        self, past: torch.Tensor, now: torch.Tensor, projected: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One position from its input ``now [N, C]``, the input ``dilation`` steps earlier
        (``past``) and ``self.cond`` of its conditioning ``[N, 2C]``: the convolution's two
        taps as one matrix product (a convolution call costs far more at one position)."""
        taps = torch.cat([self.conv.weight[:, :, 0], self.conv.weight[:, :, 1]], dim=1)
        h = F.linear(torch.cat([past, now], dim=1), taps, self.conv.bias)
        return self._finish(now, h + projected)

    def _finish(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Gate, then the residual and skip outputs (``x`` and ``h`` channel-first, ``[N, C, T]``
        or one position ``[N, C]``)."""
        a, b = h.chunk(2, dim=1)
        gated = torch.tanh(a) * torch.sigmoid(b)
        out = self.out(gated) if gated.dim() == 3 else pointwise(gated, self.out)
        residual, skip = out.split([x.shape[1], self.skip_channels], dim=1)
        return x + residual, skip


def pointwise(x: torch.Tensor, conv: nn.Conv1d) -> torch.Tensor:
    """A kernel-1 convolution applied to one position ``[N, C]`` as a matrix product."""
    return F.linear(x, conv.weight[:, :, 0], conv.bias)


class WaveNet(nn.Module):
    """Class-conditional WaveNet: ``forward(inputs [N, T], labels [N]) -> logits [N, Q, T]``."""

    def __init__(
        self,
        channels: int = 32,
        skip_channels: int = 64,
        stacks: int = 2,
        layers_per_stack: int = 7,
        classes: int = 256,
        num_classes: int = 10,
        cond_dim: int = 16,
        clock_bins: int = 16,
        clip_samples: int = 4096,
        sample_rate: int = 8000,
    ) -> None:
        super().__init__()
        self.classes = classes
        self.num_classes = num_classes
        self.clip_samples = clip_samples
        self.sample_rate = sample_rate
        self.start_code = classes // 2  # µ-law code of silence
        self.embed = nn.Embedding(classes, channels)
        self.condition = DigitClock(cond_dim, num_classes, clock_bins, clip_samples)
        self.layers = nn.ModuleList(
            ResidualLayer(channels, skip_channels, 2**i, cond_dim)
            for _ in range(stacks)
            for i in range(layers_per_stack)
        )
        self.head = nn.Sequential(
            nn.ReLU(),
            nn.Conv1d(skip_channels, skip_channels, 1),
            nn.ReLU(),
            nn.Conv1d(skip_channels, classes, 1),
        )

    @property
    def receptive_field(self) -> int:
        """How many input positions one output depends on (the current one included)."""
        return 1 + sum(layer.dilation for layer in self.layers)

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Logits for every position of ``inputs`` (codes; position 0 is sample ``start``)."""
        x = self.embed(inputs).transpose(1, 2)
        cond = self.condition(labels, start, inputs.shape[1])
        skips = torch.zeros((), device=x.device)
        for layer in self.layers:
            x, skip = layer(x, cond)
            skips = skips + skip
        return self.head(skips)

    @torch.no_grad()
    def sample(
        self,
        n: int,
        generator: torch.Generator,
        labels: torch.Tensor,
        temperature: float = 1.0,
        cached: bool = True,
    ) -> torch.Tensor:
        """``n`` clips of µ-law codes ``[n, clip_samples]``, one network step per sample."""
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        device = self.embed.weight.device
        uniforms = torch.rand(n, self.clip_samples, generator=generator, device=device)
        codes = torch.full((n, self.clip_samples + 1), self.start_code, device=device)
        next_logits = (
            self._cached_steps(codes, labels) if cached else self._naive_steps(codes, labels)
        )
        for t in range(self.clip_samples):
            logits = next_logits(t)
            codes[:, t + 1] = draw(logits / temperature, uniforms[:, t])
        return codes[:, 1:]

    def _naive_steps(self, codes: torch.Tensor, labels: torch.Tensor):
        """Logits of sample ``t``: a full forward pass over its receptive field."""
        field = self.receptive_field

        def logits(t: int) -> torch.Tensor:
            first = max(0, t + 1 - field)
            return self(codes[:, first : t + 1], labels, start=first)[:, :, -1]

        return logits

    def _cached_steps(self, codes: torch.Tensor, labels: torch.Tensor):
        """Logits of sample ``t`` from one new position per layer; layer ``l``'s queue holds
        its last ``dilation`` inputs (zeros before the clip, as the padding in ``forward``),
        and the conditioning, constant within a clock slice, is projected once per slice."""
        n, device = len(codes), codes.device
        queues = [
            torch.zeros(layer.dilation, n, self.embed.embedding_dim, device=device)
            for layer in self.layers
        ]

        projected: dict[int, list[torch.Tensor]] = {}  # per clock slice: each layer's cond

        def logits(t: int) -> torch.Tensor:
            x = self.embed(codes[:, t])
            piece = self.condition.slice_of(t)
            if piece not in projected:
                cond = self.condition(labels, t, 1)
                projected.clear()
                projected[piece] = [layer.cond(cond)[:, :, 0] for layer in self.layers]
            skips = torch.zeros((), device=device)
            for layer, queue, cond in zip(self.layers, queues, projected[piece], strict=True):
                slot = t % layer.dilation
                out, skip = layer.step(queue[slot], x, cond)
                queue[slot] = x
                x, skips = out, skips + skip
            for module in self.head:
                skips = pointwise(skips, module) if isinstance(module, nn.Conv1d) else module(skips)
            return skips

        return logits
