"""How the embedded zoo was made: each model's recipe trains it, seeded, on 2 CPU cores,
and writes its weights and model card (``bench zoo train NAME``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchbench.registry import load_target
from benchbench.zoo import WEIGHTS_DIR, entry


def train(
    name: str,
    out_dir: Path | None = None,
    seed: int | None = None,
    epochs: int | None = None,
    device: str = "cpu",
) -> dict[str, Any]:
    """Run the recipe of ``name``, write weights and card into ``out_dir``, return the card.

    ``seed`` and ``epochs`` default to the recipe's own (those of the shipped weights);
    ``out_dir`` defaults to the package's weights folder, replacing the shipped files.
    """
    recipe = load_target(entry(name).recipe)
    kwargs: dict[str, Any] = {"device": device}
    if seed is not None:
        kwargs["seed"] = seed
    if epochs is not None:
        kwargs["epochs"] = epochs
    return recipe(Path(out_dir) if out_dir is not None else WEIGHTS_DIR, **kwargs)  # type: ignore[operator]
