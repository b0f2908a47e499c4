"""The pinned glibc thresholds (measure/allocator.py): freed blocks stay in the heap, so
memory used again costs no page faults; checked in fresh processes, since the setting
is process-wide."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from benchbench.measure.allocator import pin_thresholds

# Blocks from 256 KiB to 16 MiB, as a network's growing activations, allocated, written and
# freed; after one pass, five more passes count the process's minor page faults.
FAULTS = textwrap.dedent(
    """
    import ctypes, ctypes.util, resource, sys
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    if sys.argv[1] == "pinned":
        from benchbench.measure.allocator import pin_thresholds
        pin_thresholds()
    sizes = [2**k for k in range(18, 25)]
    def one_pass():
        for size in sizes:
            block = libc.malloc(size)
            libc.memset(block, 1, size)
            libc.free(block)
    one_pass()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        one_pass()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """
)


def minor_faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_pinned_thresholds_reuse_freed_memory_without_page_faults():
    if not pin_thresholds().startswith("glibc"):
        pytest.skip("not glibc: the thresholds are left alone")
    default = minor_faults("default")
    if default < 1000:
        pytest.skip(f"this glibc faults only {default} times by default: nothing to compare")
    assert minor_faults("pinned") < 64  # 4,094 with glibc 2.36's defaults: 16 MiB again


def test_pin_is_described_for_the_environment_record():
    line = pin_thresholds()
    assert line == pin_thresholds()  # once per process
    assert ("glibc" in line and "32 MiB" in line) or line.startswith("default")
