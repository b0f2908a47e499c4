"""What a number was measured on: hardware, drivers, library versions, code revision.

Captured once per run and stored with it; the store deduplicates equal environments
by hash. Timings are comparable only between equal ``device_name`` values.
"""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil
import torch

from benchbench.hashing import stable_hash
from benchbench.measure.allocator import pin_thresholds

PACKAGES = (
    "benchbench",
    "torch",
    "torchvision",
    "numpy",
    "scipy",
    "scikit-learn",
    "diffusers",
    "transformers",
    "duckdb",
    "pydantic",
    "torch-fidelity",
    "lpips",
    "sacrebleu",
)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


CODE_DIR = Path(__file__).resolve().parent


def git_sha(path: Path = CODE_DIR) -> str | None:
    """The commit of the checkout holding ``path`` (``+dirty`` if it has local changes)."""
    cwd = path
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5
        )
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def gpu_info(device: torch.device) -> dict[str, Any]:
    if device.type != "cuda" or not torch.cuda.is_available():
        return {}
    index = device.index if device.index is not None else torch.cuda.current_device()
    props = torch.cuda.get_device_properties(index)
    info: dict[str, Any] = {
        "gpu_name": props.name,
        "gpu_memory_bytes": props.total_memory,
        "gpu_capability": f"{props.major}.{props.minor}",
        "gpu_multiprocessors": props.multi_processor_count,
        "cuda_runtime": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
    }
    info.update(_nvidia_smi(index))
    return info


def _nvidia_smi(index: int) -> dict[str, Any]:
    fields = "driver_version,clocks.max.sm,clocks.max.mem,power.limit"
    try:
        out = subprocess.run(
            ["nvidia-smi", f"--query-gpu={fields}", "--format=csv,noheader,nounits", f"-i={index}"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if out.returncode != 0 or not out.stdout.strip():
        return {}
    driver, sm_clock, mem_clock, power = (v.strip() for v in out.stdout.strip().split(","))
    return {
        "gpu_driver": driver,
        "gpu_max_sm_clock_mhz": sm_clock,
        "gpu_max_mem_clock_mhz": mem_clock,
        "gpu_power_limit_w": power,
    }


def capture(device: torch.device, code_dir: Path = CODE_DIR) -> dict[str, Any]:
    """The environment as a flat JSON-able dict, with ``env_id`` a hash of its content."""
    env: dict[str, Any] = {
        "device": str(device),
        "device_name": gpu_info(device).get("gpu_name") if device.type == "cuda" else cpu_model(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_allocator": pin_thresholds(),
        "memory_bytes": psutil.virtual_memory().total,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "hostname": platform.node(),
        "git_sha": git_sha(code_dir),
        "packages": package_versions(),
        **gpu_info(device),
    }
    env["env_id"] = stable_hash(env)
    return env
