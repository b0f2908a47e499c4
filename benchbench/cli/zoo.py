"""``bench zoo``: the embedded models — list them, print a card, retrain one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from benchbench.cli.common import console, fail
from benchbench.report import format as fmt


def zoo_list() -> None:
    """List the embedded models with their model-card figures."""
    from benchbench.zoo import ZOO, card

    table = Table(title="embedded zoo", title_justify="left")
    for header in ("name", "family", "params", "train time", "final loss", "sha256", "description"):
        table.add_column(header, overflow="fold")
    for name, entry in ZOO.items():
        try:
            info = card(name)
        except FileNotFoundError:
            info = {}
        table.add_row(
            name,
            entry.family,
            f"{info['params']:,}" if "params" in info else "–",
            f"{info['train_seconds']:.0f} s" if "train_seconds" in info else "–",
            fmt.number(info["final_loss"], 4) if "final_loss" in info else "not trained",
            str(info.get("weights_sha256", "–"))[:12],
            entry.description,
        )
    console.print(table)


def zoo_card(name: Annotated[str, typer.Argument(help="Zoo model name.")]) -> None:
    """Print a zoo model's card (recipe, seed, epochs, loss, time, sha256) as JSON."""
    from benchbench.registry import UnknownNameError
    from benchbench.zoo import card

    try:
        console.print_json(json.dumps(card(name)))
    except (UnknownNameError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None


def zoo_train(
    name: Annotated[str, typer.Argument(help="Zoo model name (see `bench zoo list`).")],
    out: Annotated[
        Path | None, typer.Option(help="Write weights and card here instead of the package's zoo.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the recipe's seed.")] = None,
    epochs: Annotated[
        int | None, typer.Option(min=1, help="Override the recipe's epochs (at least 1).")
    ] = None,
) -> None:
    """Train a zoo model with its recipe (seeded; minutes on 2 CPU cores) and write its card."""
    from benchbench.registry import UnknownNameError
    from benchbench.train import train

    try:
        info = train(name, out_dir=out, seed=seed, epochs=epochs)
    except UnknownNameError as exc:
        raise fail(str(exc)) from None
    console.print_json(json.dumps(info))
