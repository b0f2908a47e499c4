"""Published networks whose architecture lives in this project and whose weights are one
local file: what the real audio and video extractors share.

The file is found like the image extractors find theirs (``weights_files.find_weights``: a
missing file names every place searched and ``bench weights fetch``), refused when its
sha256 is not the published one, and refused, with the file named, when its tensors are
another network's. Its sha256 enters the extractor's identity, hence every signature.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from benchbench.extractors.real import load_state_dict_safely
from benchbench.extractors.weights_files import (
    WeightsFile,
    WrongWeightsError,
    checked_sha256,
    find_weights,
)


def _listed(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def load_checkpoint(extractor: str, net: nn.Module, path: Path, state: Any) -> nn.Module:
    """``net`` holding the tensors of ``path``; anything but exactly its state dict (missing,
    extra or reshaped tensors) is a ``WrongWeightsError`` that names the file and the keys."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WrongWeightsError(f"{extractor}: {path} does not hold a state dict of tensors")
    expected = net.state_dict()
    problems = []
    if missing := sorted(set(expected) - set(state)):
        problems.append(f"{len(missing)} tensors missing ({_listed(missing)})")
    if extra := sorted(set(state) - set(expected)):
        problems.append(f"{len(extra)} unexpected ({_listed(extra)})")
    reshaped = [
        f"{key}: {list(state[key].shape)} in the file, {list(tensor.shape)} expected"
        for key, tensor in expected.items()
        if key in state and state[key].shape != tensor.shape
    ]
    if reshaped:
        problems.append(f"{len(reshaped)} with another shape ({_listed(reshaped)})")
    if problems:
        raise WrongWeightsError(
            f"{extractor}: {path} is not a {type(net).__name__} checkpoint: " + "; ".join(problems)
        )
    net.load_state_dict(state)
    return net


class PretrainedNetwork(ABC):
    """Mixed into an extractor base (audio, video) ahead of it: loads ``self.net`` from the
    published file at construction."""

    name: ClassVar[str]
    weights_file: ClassVar[WeightsFile]

    def __init__(self, device: torch.device, weights_dir: Path | None = None):
        super().__init__(device, weights_dir)  # type: ignore[call-arg]
        path = find_weights(self.name, self.weights_file, weights_dir)
        self._sha256 = checked_sha256(self.name, self.weights_file, path)
        net = load_checkpoint(self.name, self._network(), path, self._state_dict(path))
        self.net = net.to(device).eval()

    @classmethod
    def weights_files(cls) -> tuple[WeightsFile, ...]:
        """What ``bench weights fetch|verify`` handle for this extractor."""
        return (cls.weights_file,)

    @abstractmethod
    def _network(self) -> nn.Module:
        """The architecture, randomly initialised, that the file's tensors go into."""

    def _state_dict(self, path: Path) -> Any:
        """The file's state dict; a release that wraps it overrides this to unwrap it."""
        return load_state_dict_safely(path)

    @property
    def weights_sha256(self) -> str:
        return self._sha256
