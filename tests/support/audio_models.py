"""Audio sampling functions used as ``module:function`` adapters in tests (no zoo weights)."""

from __future__ import annotations

import math

import torch

RATE = 8000
CLIP = 4096


def audio(output: str = "audio", sample_rate: object = RATE):
    """Declare a test function an audio model at ``sample_rate``."""

    def declare(fn):
        fn.output = output
        fn.sample_rate = sample_rate
        fn.family = "test-audio"
        return fn

    return declare


@audio()
def tone(n: int, generator: torch.Generator, level: float = 0.5) -> torch.Tensor:
    """A 440 Hz sine with a random phase per clip; deterministic given the generator."""
    phase = torch.rand(n, 1, 1, generator=generator, device=generator.device).cpu() * 2 * math.pi
    t = torch.arange(CLIP) / RATE
    return level * torch.sin(2 * math.pi * 440 * t + phase)


@audio()
def with_nan(n: int, generator: torch.Generator) -> torch.Tensor:
    clips = tone(n, generator)
    clips[0, 0, 10] = float("nan")
    return clips


@audio()
def with_inf(n: int, generator: torch.Generator) -> torch.Tensor:
    clips = tone(n, generator)
    clips[-1, 0, -1] = float("inf")
    return clips


@audio()
def too_loud(n: int, generator: torch.Generator) -> torch.Tensor:
    return tone(n, generator) * 4


@audio()
def stereo(n: int, generator: torch.Generator) -> torch.Tensor:
    return tone(n, generator).expand(n, 2, CLIP)


@audio()
def as_int16(n: int, generator: torch.Generator) -> torch.Tensor:
    return (tone(n, generator) * 32767).to(torch.int16)


@audio(sample_rate=0)
def zero_rate(n: int, generator: torch.Generator) -> torch.Tensor:
    return tone(n, generator)


@audio(sample_rate=16000.5)
def fractional_rate(n: int, generator: torch.Generator) -> torch.Tensor:
    return tone(n, generator)


@audio(sample_rate=16000)
def at_16k(n: int, generator: torch.Generator) -> torch.Tensor:
    """Twice as many samples for the same 0.512 s: a model made at another rate."""
    return torch.nn.functional.interpolate(tone(n, generator), scale_factor=2)


def no_rate(n: int, generator: torch.Generator) -> torch.Tensor:
    return tone(n, generator)


no_rate.output = "audio"


@audio(sample_rate=8001)
def odd_rate(n: int, generator: torch.Generator) -> torch.Tensor:
    """A rate whose ratio to 8 kHz (8000/8001) no polyphase filter here handles."""
    return tone(n, generator)
