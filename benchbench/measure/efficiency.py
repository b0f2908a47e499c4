"""A cell's place on the roofline, as stored measurements (see ``benchbench.measure.roofline``).

The work of one sampling call is counted once, on an extra call outside the timed
region (the flop counter slows what it watches), and divided by the median steady
latency: achieved FLOP/s at the same point as samples/s. With the device's datasheet
peaks (known GPUs only) come the fractions of peak compute and bandwidth and the bound
— compute, memory or overhead — stored as the label of ``roofline_bound``, whose value
is the utilisation of the roof that applies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from benchbench.measure.roofline import DevicePeak, Work, count_work, device_peak, roofline
from benchbench.measure.timing import Timing
from benchbench.records import Measurement


def wanted(setting: str, device: torch.device | str) -> bool:
    """The suite's ``roofline``: ``auto`` counts on CUDA only (the CPU has no known peak,
    and the counted call costs a full sampling call)."""
    return setting == "always" or (setting == "auto" and torch.device(device).type == "cuda")


def peak_of(device: torch.device) -> DevicePeak | None:
    if device.type != "cuda":
        return None
    return device_peak(torch.cuda.get_device_name(device))


def roofline_measurements(
    networks: list[nn.Module],
    call: Callable[[], Any],
    timing: Timing,
    peak: DevicePeak | None,
    counted: Work | None = None,
    dtype: torch.dtype | None = None,
) -> list[Measurement]:
    """Work of one ``call`` (which runs ``networks``; or ``counted`` earlier, e.g. before
    compiling) against ``timing``'s median call, at the weights' dtype unless ``dtype``
    (autocast's) says what the arithmetic runs in."""
    if not networks:
        return []
    module = nn.ModuleList(networks)
    work = counted or count_work(module, call)
    dtype = dtype or next(module.parameters()).dtype
    point = roofline(work, timing.median, dtype, peak)
    items = timing.items_per_call
    signature = {
        "flops": "torch.utils.flop_counter (matmul, conv, attention; 2 per multiply-add)",
        "bytes": "leaf modules' parameters, inputs and outputs once per call (lower bound)",
        "latency": "median steady call",
        "dtype": str(dtype).removeprefix("torch."),
        "peak": peak.name if peak else None,
    }

    def row(metric: str, value: float, unit: str, better: bool | None, **extra: Any):
        return Measurement(metric, value, "roofline", unit, better, signature=signature, **extra)

    rows = [
        row("flops_per_sample", work.flops / items, "FLOP", None),
        row("bytes_per_sample", work.bytes / items, "bytes", None),
        row("achieved_tflops", point.flops_per_s / 1e12, "TFLOP/s", True),
    ]
    if point.bound is not None:
        rows += [
            row("peak_flops_fraction", point.compute_utilisation, "fraction", True),
            row("peak_bandwidth_fraction", point.memory_utilisation, "fraction", True),
            row("roofline_bound", point.roof_utilisation, "fraction", None, label=point.bound),
        ]
    return rows
