"""Where a sampling call sits on the roofline: achieved FLOP/s and bytes/s against the
device's peaks, so a reader sees whether a model is compute-, memory- or overhead-bound.

Work is counted on one call, not estimated from parameter counts:

- **FLOPs** by ``torch.utils.flop_counter.FlopCounterMode`` (matmuls, convolutions and
  attention, 2 FLOPs per multiply-add; element-wise work is not counted, so achieved
  FLOP/s is a slight underestimate);
- **bytes** as a lower bound on memory traffic: every leaf module's parameters, inputs and
  outputs once per module call (fused kernels may move less; caches that spill move more).

Peaks are the vendor's dense (no sparsity) figures for the named GPU; unknown devices get
no utilisation, only achieved rates. A call is *compute-bound* when its arithmetic
intensity (FLOPs per byte) is above the device's ridge point (peak FLOP/s over peak
bandwidth), else *memory-bound*; either way, if it reaches under 10% of the roof that
applies, the time goes to something else — launches, Python, synchronisation — and it is
reported *overhead-bound* (HF ``generate`` at batch 1 is the classic case).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

OVERHEAD_FRACTION = 0.10  # below this share of the applicable roof: overhead-bound


@dataclass(frozen=True)
class DevicePeak:
    """Dense peak throughput per dtype (FLOP/s) and memory bandwidth (bytes/s)."""

    name: str
    flops: dict[torch.dtype, float]
    bandwidth: float


def _peak(name: str, fp32: float, tf16: float, bandwidth_tb: float) -> DevicePeak:
    tera = 1e12
    return DevicePeak(
        name,
        {
            torch.float32: fp32 * tera,
            torch.float16: tf16 * tera,
            torch.bfloat16: tf16 * tera,
        },
        bandwidth_tb * tera,
    )


# Datasheet figures: FP32 without tensor cores, FP16/BF16 tensor cores dense; longest
# matching name first ("H100 NVL" before "H100").
PEAKS: tuple[tuple[str, DevicePeak], ...] = (
    ("H100 NVL", _peak("NVIDIA H100 NVL", 60.0, 835.0, 3.9)),
    ("H100 PCIe", _peak("NVIDIA H100 PCIe", 51.0, 756.0, 2.0)),
    ("H100", _peak("NVIDIA H100 SXM", 67.0, 989.5, 3.35)),
    ("H200", _peak("NVIDIA H200 SXM", 67.0, 989.5, 4.8)),
    ("A100", _peak("NVIDIA A100 SXM", 19.5, 312.0, 2.039)),
)


def device_peak(device_name: str | None) -> DevicePeak | None:
    """The peaks of a GPU by its CUDA name (e.g. "NVIDIA H100 80GB HBM3"), or None."""
    for key, peak in PEAKS:
        if device_name and key in device_name:
            return peak
    return None


@dataclass(frozen=True)
class Work:
    flops: int
    bytes: int


def _tensor_bytes(value: object) -> int:
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, (tuple, list)):
        return sum(_tensor_bytes(v) for v in value)
    if isinstance(value, dict):  # also transformers' and diffusers' output classes
        return sum(_tensor_bytes(v) for v in value.values())
    return 0


def count_work(module: nn.Module, call: Callable[[], object]) -> Work:
    """FLOPs and the leaf-module bytes lower bound of one ``call`` that runs ``module``."""
    moved = 0

    def hook(leaf: nn.Module, inputs: tuple, output: object) -> None:
        nonlocal moved
        params = sum(p.numel() * p.element_size() for p in leaf.parameters(recurse=False))
        moved += params + _tensor_bytes(inputs) + _tensor_bytes(output)

    leaves = [m for m in module.modules() if not any(True for _ in m.children())]
    handles = [leaf.register_forward_hook(hook) for leaf in leaves]
    try:
        with FlopCounterMode(display=False) as counter, torch.inference_mode():
            call()
    finally:
        for handle in handles:
            handle.remove()
    return Work(int(counter.get_total_flops()), moved)


@dataclass(frozen=True)
class Roofline:
    flops_per_s: float
    bytes_per_s: float
    intensity: float  # FLOPs per byte
    compute_utilisation: float | None  # share of the dtype's peak FLOP/s
    memory_utilisation: float | None  # share of peak bandwidth
    bound: str | None  # "compute" | "memory" | "overhead"; None without known peaks
    roof_utilisation: float | None = None  # share of the roof that applies (compute or memory)


def roofline(
    work: Work, seconds_per_call: float, dtype: torch.dtype, peak: DevicePeak | None
) -> Roofline:
    """Achieved rates of a call that did ``work`` in ``seconds_per_call``, and the bound."""
    flops_per_s = work.flops / seconds_per_call
    bytes_per_s = work.bytes / seconds_per_call
    intensity = work.flops / work.bytes if work.bytes else float("inf")
    if peak is None or dtype not in peak.flops:
        return Roofline(flops_per_s, bytes_per_s, intensity, None, None, None)
    compute = flops_per_s / peak.flops[dtype]
    memory = bytes_per_s / peak.bandwidth
    ridge = peak.flops[dtype] / peak.bandwidth
    bound = "compute" if intensity >= ridge else "memory"
    applicable = compute if bound == "compute" else memory
    if applicable < OVERHEAD_FRACTION:
        bound = "overhead"
    return Roofline(flops_per_s, bytes_per_s, intensity, compute, memory, bound, applicable)
