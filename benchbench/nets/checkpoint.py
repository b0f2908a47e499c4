"""benchbench's own checkpoint format for torch models: architecture, config, weights.

A checkpoint is a plain dict saved by ``torch.save`` and read back with
``weights_only=True``, so loading a file never runs code from it. The architecture
is looked up by name in the ``NETS`` registry and built from its config, so a file
is enough to rebuild the model.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from benchbench.registry import RegistryError

FORMAT = "benchbench.checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    arch: str
    config: dict[str, Any]
    state_dict: dict[str, torch.Tensor]
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = "checkpoint"  # what errors call it: the file it was read from

    def build(self) -> nn.Module:
        """Instantiate the architecture and load the weights (strict: every key and shape
        must match, else a ``CheckpointError`` naming the file and the tensors)."""
        from benchbench.nets import NETS

        module = NETS.get(self.arch)(**self.config)
        try:
            module.load_state_dict(self.state_dict, strict=True)
        except RuntimeError as exc:  # torch's message: a header, then one line per tensor
            details = "; ".join(line.strip() for line in str(exc).splitlines()[1:] if line.strip())
            raise CheckpointError(
                f"{self.source}: its weights do not fit architecture {self.arch!r} built from "
                f"its config: {details or exc}"
            ) from None
        return module.eval()


def save_checkpoint(
    path: str | Path, module: nn.Module, arch: str, config: dict[str, Any], meta: dict | None = None
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    payload = {
        "format": FORMAT,
        "arch": arch,
        "config": config,
        "state_dict": state,
        "meta": meta or {},
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # atomic: a crash never leaves half a checkpoint under the real name
    return path


class CheckpointError(ValueError):
    """A file that is not a readable benchbench checkpoint."""


def load_checkpoint(path: str | Path) -> Checkpoint:
    """The checkpoint in ``path``; a tensor holding NaN or infinity is a ``CheckpointError``
    (a model with one samples nothing but NaN)."""
    payload = _read(Path(path), mmap=False)
    state = payload["state_dict"]
    for key, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise CheckpointError(f"{path}: state_dict entry {key!r} is not a tensor")
        if not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path}: tensor {key!r} holds NaN or infinite values")
    return Checkpoint(payload["arch"], payload["config"], state, payload.get("meta", {}), str(path))


def require_arch(path: str | Path, arch: str, archs: Collection[str]) -> None:
    """Raise ``CheckpointError`` unless ``arch`` is one of ``archs`` (empty: any): a valid
    checkpoint of another network is still the wrong file for an adapter that samples these."""
    if archs and arch not in archs:
        raise CheckpointError(
            f"{path} holds a {arch!r} network; expected {' or '.join(map(repr, archs))}"
        )


def check_checkpoint(path: str | Path, archs: Collection[str] = ()) -> dict[str, Any]:
    """The config of ``path`` (with the architecture's defaults for what it leaves out);
    raise ``CheckpointError`` unless it is a checkpoint of a
    registered architecture (one of ``archs`` if given) whose config fits it. The tensors
    are memory-mapped, not read, so this costs about the same for a large model as for a
    small one: suites check their weights before any cell."""
    from benchbench.nets import NETS

    path = Path(path)
    payload = _read(path, mmap=True)
    require_arch(path, payload["arch"], archs)
    try:
        net = NETS.get(payload["arch"])
    except RegistryError as exc:
        raise CheckpointError(f"{path}: architecture {payload['arch']!r}: {exc}") from None
    try:
        bound = inspect.signature(net).bind(**payload["config"])
    except TypeError as exc:
        raise CheckpointError(
            f"{path}: its config does not fit architecture {payload['arch']!r}: {exc}"
        ) from None
    bound.apply_defaults()
    return dict(bound.arguments)


def _read(path: Path, mmap: bool) -> dict[str, Any]:
    """The checkpoint's dict, with its envelope checked (format, architecture, config)."""
    if path.is_dir():
        raise CheckpointError(f"{path} is a directory; a benchbench checkpoint is one file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    except Exception as exc:  # torch raises several types for corrupt or unsafe files
        raise CheckpointError(
            f"cannot read {path} as a torch checkpoint (weights_only=True): {exc}"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(f"{path} is not a {FORMAT} checkpoint (found {found!r})")
    fields = {"arch": str, "config": dict, "state_dict": dict}
    wrong = [name for name, kind in fields.items() if not isinstance(payload.get(name), kind)]
    if wrong:
        raise CheckpointError(
            f"{path} lacks a valid {', '.join(wrong)}: a checkpoint names its architecture "
            f"and config beside its weights (write it with save_checkpoint)"
        )
    return payload
