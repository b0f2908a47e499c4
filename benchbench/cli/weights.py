"""``bench weights fetch|verify``: the pretrained files the real extractors and LPIPS read
from disk — fetched where a network exists, checked against their sha256 anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from benchbench.cli.common import console, fail


def weights_catalogue() -> dict:
    """Every downloadable weights set by the name ``bench weights`` takes."""
    from benchbench.extractors import EXTRACTORS
    from benchbench.metrics.image.lpips_diversity import BACKBONES

    catalogue = {}
    for name in EXTRACTORS.names():
        files = getattr(EXTRACTORS.get(name), "weights_files", None)
        if files is not None:
            catalogue[name] = files()
    catalogue.update({f"lpips-{net}": (file,) for net, file in BACKBONES.items()})
    return catalogue


def _entries(names: list[str]) -> dict:
    from benchbench.registry import UnknownNameError

    catalogue = weights_catalogue()
    for name in names:
        if name not in catalogue:
            raise fail(str(UnknownNameError("weights set", name, list(catalogue))))
    return {name: catalogue[name] for name in names or catalogue}


def weights_fetch(
    names: Annotated[list[str], typer.Argument(help="Extractor names, e.g. inception-v3-compat.")],
) -> None:
    """Download weights into $TORCH_HOME/hub, checking the published hash."""
    from benchbench.extractors.weights_files import fetch_file

    for name, files in _entries(names).items():
        for file in files:
            try:
                path = fetch_file(file)
            except Exception as exc:  # network, HTTP and hash errors all end here
                raise fail(f"{name}: cannot fetch {file.url}: {exc}") from None
            console.print(f"{name}: {path}")


def weights_verify(
    names: Annotated[list[str] | None, typer.Argument(help="Names (default: all).")] = None,
    weights_dir: Annotated[Path | None, typer.Option(help="Directory searched first.")] = None,
) -> None:
    """Check the sha256 of every weights file present; exit 1 on a mismatch."""
    from benchbench.extractors.weights_files import (
        MissingWeightsError,
        find_weights,
        verify_file,
    )

    table = Table("name", "file", "status", "sha256")
    bad = False
    for name, files in _entries(names or []).items():
        for file in files:
            try:
                path = find_weights(name, file, weights_dir)
            except MissingWeightsError:
                table.add_row(name, file.name, "missing", "")
                continue
            ok, digest = verify_file(file, path)
            bad |= not ok
            status = ("ok" if file.sha256 else "present (no published hash)") if ok else "MISMATCH"
            table.add_row(name, str(path), status, digest[:16])
    console.print(table)
    if bad:
        raise typer.Exit(1)
