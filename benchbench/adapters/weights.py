"""Where a model's weights live: ``zoo:NAME`` for the embedded zoo, or a local path.

Paths are relative to the suite file, so a suite and its checkpoints can move
together. A missing file is an error that says where it was looked for.
"""

from __future__ import annotations

from pathlib import Path

from benchbench.registry import UnknownNameError

ZOO_PREFIX = "zoo:"


class WeightsError(FileNotFoundError):
    """Weights that cannot be found; the message says which and where."""


def resolve_weights(ref: str, base_dir: Path) -> Path:
    if ref.startswith(ZOO_PREFIX):
        from benchbench.zoo import weights_path

        name = ref.removeprefix(ZOO_PREFIX)
        try:
            path = weights_path(name)
        except UnknownNameError as exc:
            raise WeightsError(str(exc)) from None
        if not path.exists():
            raise WeightsError(
                f"zoo model {name!r} has no weights at {path}; "
                f"train them with `bench zoo train {name}`"
            )
        return path
    path = Path(ref).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    if not path.exists():
        raise WeightsError(f"weights {ref!r} not found (looked for {path})")
    return path
