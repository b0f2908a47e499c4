"""Reference features on disk, keyed by content: never by a dataset's bare name.

The key is a hash of the reference data's content hash, the extractor's identity
(name, version, weights sha256, input size, resize rule), the device type (kernels
differ in the last bits between CPU and GPU) and the versions of benchbench and
torch; changing any of them misses the cache. Entries are ``.npz`` files written to
a temporary name and renamed into place, so a crash or a concurrent run never leaves
half a file under a real key. The directory is ``$BENCHBENCH_CACHE_DIR``, else
``$XDG_CACHE_HOME/benchbench``, else ``~/.cache/benchbench``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

import benchbench
from benchbench.extractors.base import FeatureExtractor
from benchbench.hashing import canonical_json, stable_hash

CACHE_ENV = "BENCHBENCH_CACHE_DIR"
FORMAT = "benchbench.features/1"


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "benchbench"


class FeatureCache:
    """Extractor outputs of whole image sets, one file per (data, extractor, setting)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()

    @staticmethod
    def key_fields(
        data_hash: str, extractor: FeatureExtractor, outputs: tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "data": data_hash,
            "extractor": extractor.identity(),
            "channels": extractor.channels,
            "outputs": list(extractor.outputs if outputs is None else outputs),
            "device": extractor.device.type,
            "versions": {"benchbench": benchbench.__version__, "torch": torch.__version__},
        }

    def path(
        self, data_hash: str, extractor: FeatureExtractor, outputs: tuple[str, ...] | None = None
    ) -> Path:
        key = stable_hash(self.key_fields(data_hash, extractor, outputs), length=32)
        return self.root / f"{extractor.name}-{key}.npz"

    def extract(
        self, data_hash: str, extractor: FeatureExtractor, images: torch.Tensor, **options: Any
    ) -> dict[str, torch.Tensor]:
        """``extractor.extract(images, **options)``, read from disk when this exact recipe ran
        before; ``data_hash`` must cover the options (an audio set's sample rate)."""
        return self.computed(
            data_hash, extractor, extractor.outputs, lambda: extractor.extract(images, **options)
        )

    def computed(
        self,
        data_hash: str,
        extractor: FeatureExtractor,
        outputs: tuple[str, ...],
        compute: Callable[[], dict[str, torch.Tensor]],
    ) -> dict[str, torch.Tensor]:
        """``compute()`` (the named ``outputs`` of ``extractor`` on the data), read from disk
        when it ran before: another extractor method than ``extract`` (a video extractor's
        per-frame features) gets its own entry by naming its own outputs."""
        path = self.path(data_hash, extractor, outputs)
        cached = self._read(path, outputs)
        if cached is not None:
            return cached
        values = compute()
        self._write(path, values, self.key_fields(data_hash, extractor, outputs))
        return values

    @staticmethod
    def _read(path: Path, names: tuple[str, ...]) -> dict[str, torch.Tensor] | None:
        try:
            with np.load(path) as stored:
                return {name: torch.from_numpy(stored[name]) for name in names}
        except (OSError, KeyError, ValueError):  # absent or unreadable: recompute
            return None

    def _write(self, path: Path, outputs: dict[str, torch.Tensor], fields: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        arrays = {name: tensor.numpy() for name, tensor in outputs.items()}
        handle, temporary = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **arrays, key=np.array(canonical_json(fields)))
            os.replace(temporary, path)  # atomic on POSIX and Windows
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
