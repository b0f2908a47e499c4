"""Peak memory of one cell: CUDA allocator peaks on a GPU, process peak RSS on the CPU.

Peaks are reset at the start of each cell, so one cell's figure never includes an
earlier cell's. On Linux the kernel's peak-RSS counter (VmHWM) is reset by writing
"5" to /proc/self/clear_refs; where that is impossible the figure falls back to the
peak since the process started, and its name says so.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

import torch

# Every figure ``PeakMemory.read`` can return; which ones depends on device and platform.
MEMORY_METRICS = (
    "cuda_max_allocated",
    "cuda_max_reserved",
    "cpu_peak_rss",
    "cpu_rss_before",
    "cpu_peak_rss_since_start",
)
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field_name: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Reset with ``reset()`` before a region, read bytes with ``read()`` after it."""

    def __init__(self, device: torch.device):
        self.device = device
        self.rss_resettable = False
        self.rss_before = 0

    def reset(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        try:
            _CLEAR_REFS.write_text("5")
            self.rss_resettable = _status_kib("VmHWM") is not None
        except OSError:
            self.rss_resettable = False
        self.rss_before = (_status_kib("VmRSS") or 0) * 1024

    def read(self) -> dict[str, int]:
        """Peak figures in bytes, by name (names say what each one measures)."""
        peaks: dict[str, int] = {}
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            peaks["cuda_max_allocated"] = torch.cuda.max_memory_allocated(self.device)
            peaks["cuda_max_reserved"] = torch.cuda.max_memory_reserved(self.device)
        if self.rss_resettable:
            peaks["cpu_peak_rss"] = (_status_kib("VmHWM") or 0) * 1024
            peaks["cpu_rss_before"] = self.rss_before
        else:
            scale = (
                1 if sys.platform == "darwin" else 1024
            )  # ru_maxrss: bytes on macOS, KiB on Linux
            peaks["cpu_peak_rss_since_start"] = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
            )
        return peaks
