"""The CPU allocator's settings while cells are timed: glibc malloc with fixed thresholds.

By default glibc serves each allocation above its mmap threshold (128 KiB at start) with
a fresh ``mmap`` and returns it with ``munmap`` when freed, so every such tensor costs page
faults; the threshold then grows as large blocks are freed. A model's speed on the CPU
therefore depended on what the process had done before it: the first of three identical
DCGAN cells ran at 7.3k samples/s and the next two at about 10k, and a bare loop after a
bench run at 12k. Fixing the thresholds (``mallopt``, which also stops their adjustment)
keeps large blocks in the heap, so every cell sees the same allocator from its first
call. Elsewhere (macOS, musl) nothing changes and the environment record says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # the largest glibc accepts on 64-bit (HEAP_MAX_SIZE / 2)
TRIM_THRESHOLD = 2**30  # keep up to 1 GiB of freed heap instead of returning it


@functools.cache
def pin_thresholds() -> str:
    """Fix glibc's mmap and trim thresholds for this process (once; later calls return
    the same answer): a line for the environment record saying what was done."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        mallopt, gnu_get_libc_version = libc.mallopt, libc.gnu_get_libc_version
    except (OSError, AttributeError, TypeError):
        return "default (not glibc: thresholds left alone)"
    gnu_get_libc_version.restype = ctypes.c_char_p
    version = gnu_get_libc_version().decode()
    if not (
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    ):
        return f"glibc {version}, default (mallopt refused the thresholds)"
    return (
        f"glibc {version}, mmap threshold {MMAP_THRESHOLD >> 20} MiB, "
        f"trim threshold {TRIM_THRESHOLD >> 20} MiB (fixed)"
    )
