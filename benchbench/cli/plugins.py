"""``bench list``: everything registered — built-ins and installed plug-ins."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from benchbench.cli.common import console, fail


def list_plugins(
    kind: Annotated[
        str | None,
        typer.Argument(help="adapters, metrics, extractors, datasets or executors (default: all)."),
    ] = None,
) -> None:
    """List what is registered: adapters, metrics, extractors, datasets, executors.

    Adapters show their parameters; entries added by installed packages' entry points are
    listed with the package they come from."""
    from benchbench.adapters import ADAPTERS
    from benchbench.catalogue import METRICS
    from benchbench.data import DATASETS
    from benchbench.extractors import EXTRACTORS
    from benchbench.run.executors import EXECUTORS

    registries = {
        "adapters": ADAPTERS,
        "metrics": METRICS,
        "extractors": EXTRACTORS,
        "datasets": DATASETS,
        "executors": EXECUTORS,
    }
    if kind is not None and kind not in registries:
        raise fail(f"unknown kind {kind!r}; choose one of {', '.join(registries)}")
    for name, registry in registries.items():
        if kind not in (None, name):
            continue
        table = Table(title=name, title_justify="left")
        table.add_column("name")
        table.add_column("details")
        table.add_column("from")
        for entry in registry.names():
            table.add_row(entry, _describe(name, registry.get(entry)), registry.origin(entry))
        console.print(table)


def _describe(kind: str, obj) -> str:
    if kind == "adapters":
        fields = obj.Params.model_fields
        params = ", ".join(
            f"{n}={f.default!r}" + (f" ({f.description})" if f.description else "")
            for n, f in fields.items()
        )
        return f"family {obj.family}; params: {params or 'none'}"
    if kind == "metrics":
        return f"v{obj.version}, {'higher' if obj.higher_is_better else 'lower'} is better"
    if kind == "extractors":
        from benchbench.extractors.audio import AudioFeatureExtractor
        from benchbench.extractors.video import VideoFeatureExtractor

        if issubclass(obj, AudioFeatureExtractor):  # a rate and a shortest clip, no pixels
            return f"v{obj.version}, {obj.sample_rate} Hz, clips >= {obj.window_samples} samples"
        if issubclass(obj, VideoFeatureExtractor):  # a clip length and rate, frames of a size
            rate = f"{obj.frame_rate} fps" if obj.frame_rate else "any fps"
            return (
                f"v{obj.version}, clips of {obj.clip_frames} frames at {rate}, "
                f"{obj.size[0]}x{obj.size[1]}px, {obj.channels} channel(s), {obj.resize}"
            )
        return f"v{obj.version}, input {obj.input_size}px, {obj.channels} channel(s), {obj.resize}"
    if kind == "executors":
        options = ", ".join(f"{n} ({f.description})" for n, f in obj.Options.model_fields.items())
        return f"options: {options or 'none'}"
    return f"splits: {', '.join(obj.splits)}"
