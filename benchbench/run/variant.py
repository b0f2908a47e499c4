"""Speed variants applied to a loaded model: torch.compile, channels-last, autocast.

A variant wraps the networks an adapter exposes (``Adapter.networks()``) and its sampling
call, so every family gets it without code of its own. What the device cannot run honestly
is refused with a ``VariantUnsupported`` naming why, which the cell records as its failure.
Compilation is lazy in torch: ``compile_networks`` only marks the modules, and the cell
times the first call after it apart (``compile_s``), with the state of inductor's on-disk
cache, which decides most of that time: ``cache_state`` says whether the compiled graphs were
found there (warm) or built (cold).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch import nn
from torch._dynamo.utils import counters

from benchbench.adapters.base import Adapter
from benchbench.suite.schema import Variant

R = TypeVar("R")

AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
# inductor makes fused kernels; tests swap in "eager" to check the plumbing without a compiler
COMPILE_BACKEND = "inductor"


class VariantUnsupported(RuntimeError):
    """A variant this device or model cannot run; the cell fails with this message."""


def autocast_supported(dtype: torch.dtype, device: torch.device) -> bool:
    """Whether ``device`` computes in ``dtype`` natively (emulated bf16 on an old CPU would
    time the emulation, not the variant)."""
    if device.type == "cuda":
        return dtype != torch.bfloat16 or torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        mkldnn = torch.ops.mkldnn
        if dtype == torch.bfloat16:
            return bool(mkldnn._is_mkldnn_bf16_supported())
        return bool(mkldnn._is_mkldnn_fp16_supported())
    return False


def check_variant(variant: Variant, networks: list[nn.Module], device: torch.device) -> None:
    """Raise ``VariantUnsupported`` when ``variant`` cannot run honestly here."""
    if variant.cuda_graphs:
        raise VariantUnsupported(
            f"cuda_graphs is not supported on this device/adapter ({device.type}): sampling "
            "loops draw fresh noise from a generator and allocate each step, which a captured "
            "graph would replay stale; on CUDA, compile: reduce-overhead uses CUDA graphs "
            "where torch can prove them safe"
        )
    if variant.autocast != "off":
        dtype = AUTOCAST_DTYPES[variant.autocast]
        if not autocast_supported(dtype, device):
            raise VariantUnsupported(
                f"autocast {variant.autocast}: this {device.type} device has no native "
                f"{variant.autocast} arithmetic"
            )
    if variant.memory_format == "channels_last" and not any(
        p.dim() == 4 for net in networks for p in net.parameters()
    ):
        raise VariantUnsupported(
            "memory_format channels_last: the model has no 4-D weights (convolutions), so "
            "the cell would time the eager model again"
        )


def prepare(variant: Variant, adapter: Adapter, device: torch.device) -> list[nn.Module]:
    """Check ``variant`` and convert the adapter's networks to its memory format in place;
    return the networks (still eager: ``compile_networks`` comes after FLOPs are counted)."""
    networks = adapter.networks()
    check_variant(variant, networks, device)
    if variant.memory_format == "channels_last":
        for net in networks:
            net.to(memory_format=torch.channels_last)
    return networks


def autocast_region(variant: Variant, device: torch.device) -> AbstractContextManager:
    """The variant's autocast region (a no-op context when autocast is off)."""
    if variant.autocast == "off":
        return nullcontext()
    return torch.autocast(device.type, dtype=AUTOCAST_DTYPES[variant.autocast])


def under_autocast(
    variant: Variant, device: torch.device, call: Callable[[int], R]
) -> Callable[[int], R]:
    """``call`` run under the variant's autocast (itself when autocast is off)."""
    if variant.autocast == "off":
        return call

    def autocast_call(index: int) -> R:
        with autocast_region(variant, device):
            return call(index)

    return autocast_call


def compile_networks(variant: Variant, networks: list[nn.Module]) -> None:
    """Mark each network for ``torch.compile`` in the variant's mode (in place, so the
    adapter's own references run the compiled forward); compiling happens on first call."""
    if variant.compile == "off":
        return
    torch._dynamo.reset()  # no graphs cached from an earlier cell's modules
    options = {} if COMPILE_BACKEND != "inductor" else {"mode": variant.compile}
    for net in networks:
        net.compile(backend=COMPILE_BACKEND, **options)


@dataclass(frozen=True)
class GraphCacheCounts:
    """Inductor's FX graph cache lookups so far in this process (torch counts them in
    ``torch._dynamo.utils.counters``; a hit loads compiled kernels instead of building them)."""

    hits: int
    misses: int

    @classmethod
    def now(cls) -> GraphCacheCounts:
        inductor = counters["inductor"]
        return cls(inductor["fxgraph_cache_hit"], inductor["fxgraph_cache_miss"])


def cache_state(before: GraphCacheCounts, after: GraphCacheCounts) -> str:
    """How the compile between two counts used the cache: ``cold`` (every graph built),
    ``warm`` (every graph loaded), ``partly warm``, or ``no cache`` (no graph looked up:
    another backend, or the cache turned off)."""
    hits, misses = after.hits - before.hits, after.misses - before.misses
    if hits and misses:
        return "partly warm"
    if misses:
        return "cold"
    return "warm" if hits else "no cache"
