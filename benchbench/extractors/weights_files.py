"""Pretrained weights that real extractors need, where they are looked for, and checks.

No machine here reaches a model hub, so nothing is downloaded implicitly: a file is
used when it is already in one of the usual places — a directory given explicitly
(``--weights-dir``, or the evaluator's ``weights_dir``), torch's hub cache
(``$TORCH_HOME/hub/checkpoints``) or ``$HF_HOME`` — and otherwise the error names the
file, every place searched and the command that fetches it (``bench weights fetch``).
File names are the ones torch hub gives them, so a cache filled by torch-fidelity,
torchvision or ``lpips`` is found as is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from benchbench.hashing import sha256_tree


@dataclass(frozen=True)
class WeightsFile:
    """One file: its torch-hub name, where it comes from and what its sha256 must be.

    ``sha256`` is the full digest where it is published, else the prefix torch hub
    puts in file names (``name-<first hex digits>.pth``), else empty (unchecked)."""

    name: str
    url: str
    sha256: str = ""
    directory: bool = False  # a torch-hub code repository rather than a weights file

    def matches(self, digest: str) -> bool:
        return digest.startswith(self.sha256)


class MissingWeightsError(FileNotFoundError):
    """Weights that are not on this machine; the message says what, where and how to get it."""


class WrongWeightsError(ValueError):
    """A weights file on disk that is not the expected one: another hash, or another net's
    tensors. The message names the file."""


def search_dirs(file: WeightsFile, explicit: Path | None = None) -> list[tuple[str, Path]]:
    """Where ``file`` is looked for, in order, each with the setting that names it."""
    places = [] if explicit is None else [("given directory", Path(explicit))]
    if file.directory:  # torch.hub.load keeps repositories directly under the hub dir
        return [*places, ("$TORCH_HOME/hub", Path(torch.hub.get_dir()))]
    places.append(("$TORCH_HOME/hub/checkpoints", Path(torch.hub.get_dir()) / "checkpoints"))
    hf_home = os.environ.get("HF_HOME") or str(Path.home() / ".cache" / "huggingface")
    places.append(("$HF_HOME", Path(hf_home)))
    return places


def find_weights(extractor: str, file: WeightsFile, explicit: Path | None = None) -> Path:
    """The path of ``file``, or a ``MissingWeightsError`` listing every place searched."""
    places = search_dirs(file, explicit)
    for _, directory in places:
        candidate = directory / file.name
        if candidate.is_dir() if file.directory else candidate.is_file():
            return candidate
    searched = "\n".join(f"  {directory / file.name}  ({label})" for label, directory in places)
    what, into = (
        ("torch-hub repository", "$TORCH_HOME/hub")
        if file.directory
        else ("weights file", "$TORCH_HOME/hub/checkpoints")
    )
    raise MissingWeightsError(
        f"{extractor}: {what} {file.name!r} not found. Searched:\n{searched}\n"
        f"Get it with `bench weights fetch {extractor}` on a machine with network access "
        f"(it downloads {file.url} into {into}), or copy it into one of those directories."
    )


def verify_file(file: WeightsFile, path: Path) -> tuple[bool, str]:
    """Whether ``path`` has the published hash (if any is published), and its sha256."""
    digest = sha256_tree(path)
    return file.matches(digest), digest


def checked_sha256(extractor: str, file: WeightsFile, path: Path) -> str:
    """The sha256 of ``path``, refused (``WrongWeightsError``) when it is not the published
    hash: a truncated download or another network's file must not yield features."""
    matches, digest = verify_file(file, path)
    if not matches:
        raise WrongWeightsError(
            f"{extractor}: {path} has sha256 {digest}, but the published {file.name} has "
            f"sha256 {file.sha256}...: the file is damaged or another network's; fetch it "
            f"again (`bench weights fetch {extractor}`)"
        )
    return digest


def fetch_file(file: WeightsFile) -> Path:
    """Download ``file`` into torch's hub cache, checking the hash prefix torch hub checks."""
    if file.directory:
        torch.hub.list(file.url, trust_repo=True)  # downloads the repository into the hub dir
        return Path(torch.hub.get_dir()) / file.name
    target = Path(torch.hub.get_dir()) / "checkpoints" / file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.hub.download_url_to_file(file.url, str(target), hash_prefix=file.sha256 or None)
    return target
