"""Which device cells run on, and how to wait for it: ``auto`` resolved where the cells
run, and the synchronisation that makes a timed region end when the device's work does."""

from __future__ import annotations

from collections.abc import Callable

import torch

from benchbench.measure.timing import no_sync


def resolve_device(spec: str) -> torch.device:
    """``auto`` is CUDA when available, else the CPU; an unavailable device is an error."""
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(spec)
    except RuntimeError as exc:  # torch's message does not say which option was wrong
        raise RuntimeError(f"device {spec!r} is not a device: {exc}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {spec!r} requested but CUDA is not available on this machine")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(f"device {spec!r} requested but MPS is not available on this machine")
    return device


def synchronizer(device: torch.device) -> Callable[[], None]:
    """What the Timer calls on both edges of a timed call: CUDA runs asynchronously."""
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return no_sync
