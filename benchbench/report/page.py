"""One suite's section of the site: its leaderboard and everything drawn from it —
family table, Pareto and steps plots, history, galleries, signatures, environments."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from typing import Any

from PIL import Image

from benchbench.report import format as fmt
from benchbench.report.assets import Assets, slugify
from benchbench.report.columns import Column
from benchbench.report.data import Cell, Run, Sample
from benchbench.report.leaderboard import FamilyRow, Leaderboard, family_summary
from benchbench.report.plots import Plot, line_plot, pareto_plot
from benchbench.report.series import display_units, history_series, pareto_points, sweep_series
from benchbench.report.training import GRID, is_training_run
from benchbench.report.training_page import TrainingSection, training_section

IMAGE_SUFFIX = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
AUDIO_SUFFIX = {"audio/wav": "wav"}  # played by an <audio> element
TEXT_LIMIT = 4000
TEXT_EXAMPLES = 4  # prompts shown with every cell's generation side by side
GENERATIONS = (
    "application/jsonl"  # a text cell's samples: one {prompt, reference, generation} per line
)
HISTORY_AXES = ("speed", "memory")  # plus every quality axis; cold start is left out


@dataclass(frozen=True)
class GalleryItem:
    cell: Cell
    sample: Sample
    src: str | None = None  # a file under assets/: an image (with its size) or the raw samples
    size: tuple[int, int] | None = None
    text: str | None = None  # a text sample, shown escaped
    audio: bool = False  # ``src`` is a clip to play


@dataclass(frozen=True)
class TextExample:
    """One prompt and its reference continuation, with what each cell generated for it —
    the way a reader compares text models (as HELM shows instances)."""

    prompt: str
    reference: str
    generations: list[tuple[Cell, str]]


@dataclass(frozen=True)
class Signature:
    hash: str
    label: str
    body: str


@dataclass
class SuitePage:
    slug: str
    board: Leaderboard
    families: list[FamilyRow]
    comparison: list[Plot]
    history_runs: list[Run]  # oldest first, the shown run last
    history: list[Plot]
    gallery: list[GalleryItem]
    text_examples: list[TextExample]
    signatures: list[Signature]
    environments: list[tuple[str, list[tuple[str, str]]]]  # the shown run's first
    training: TrainingSection | None = None  # a training run's stability, curves and grids

    @property
    def run(self) -> Run:
        return self.board.run


def suite_page(history: list[Leaderboard], assets: Assets) -> SuitePage:
    """The section of ``history[-1]``'s run; earlier runs feed the trend plots."""
    board = history[-1]
    slug = slugify(board.run.suite_name)
    runs = [b.run for b in history]
    return SuitePage(
        slug=slug,
        board=board,
        families=family_summary(board),
        comparison=comparison_plots(board, slug, assets),
        history_runs=runs,
        history=history_plots(history, slug, assets) if len(history) > 1 else [],
        gallery=gallery(board.run, assets),
        text_examples=text_examples(board.run),
        signatures=signatures(board.run),
        environments=environments(runs),
        training=training_section(board.run, slug, assets) if is_training_run(board.run) else None,
    )


# Swept parameters that get a curve: axis title, log scale, what the parameter means.
SWEEPS = {
    "steps": ("sampling steps", True, "the number of sampling steps (network passes per sample)"),
    "guidance": ("guidance scale", False, "the classifier-free guidance scale (controllability)"),
    "clip_guidance": ("CLIP guidance scale", False, "the CLIP guidance scale (steering)"),
    "temperature": ("temperature", False, "the sampling temperature"),
}


# Speed columns a Pareto plot puts on its x axis → the plot file's suffix.
PARETO_SPEEDS = {"samples_per_s": "", "real_time_factor": "-rtf", "frames_per_s": "-fps"}


def comparison_plots(board: Leaderboard, slug: str, assets: Assets) -> list[Plot]:
    """Quality vs each throughput of ``PARETO_SPEEDS`` (samples/s; real-time factor for
    audio, frames/s for video) with its Pareto front; quality and throughput along each
    swept parameter of ``SWEEPS``."""
    quality = [c for c in board.columns if c.group == "quality" and c.higher_is_better is not None]
    speeds = [c for c in board.columns if c.axis == "speed" and c.key in PARETO_SPEEDS]
    plots = [
        plot
        for speed in speeds
        for plot in pareto_plots(
            board, quality, speed, f"{slug}-pareto{PARETO_SPEEDS[speed.key]}", assets
        )
    ]
    for param, (axis, log_x, meaning) in SWEEPS.items():
        for i, column in enumerate([*quality, *speeds]):
            series, unit = display_units(sweep_series(board, column, param), column.unit)
            if series:
                svg = line_plot(series, axis, _axis_title(column, unit), log_x=log_x)
                plots.append(
                    Plot(
                        f"{param} vs {column.title}",
                        assets.write(f"assets/plots/{slug}-{param}-{i}.svg", svg),
                        f"{column.title} against {meaning}, one line per model and its other "
                        "parameters.",
                    )
                )
    return plots


def pareto_plots(
    board: Leaderboard, quality: list[Column], speed: Column, stem: str, assets: Assets
) -> list[Plot]:
    """One plot per quality column against ``speed``, where two cells or more have both."""
    plots = []
    for i, column in enumerate(quality):
        points, front = pareto_points(board, column, speed)
        if len(points) > 1:
            svg = pareto_plot(
                points, front, speed.title, column.title, bool(column.higher_is_better)
            )
            plots.append(
                Plot(
                    f"{column.title} vs {speed.title}",
                    assets.write(f"assets/plots/{stem}-{i}.svg", svg),
                    f"Each point is a cell (bars: {_level(board)} CI). The dashed line joins the "
                    "Pareto front: cells no other cell beats on both quality and throughput "
                    "(labels in bold).",
                )
            )
    return plots


def history_plots(history: list[Leaderboard], slug: str, assets: Assets) -> list[Plot]:
    """One trend plot per quality, throughput and memory column across the suite's runs."""
    plots = []
    ticks = [run_tick(b.run) for b in history]
    for i, column in enumerate(history[-1].columns):
        if column.group != "quality" and column.axis not in HISTORY_AXES:
            continue
        _, raw = history_series(history, column)
        series, unit = display_units(raw, column.unit)
        if series:
            svg = line_plot(series, "run", _axis_title(column, unit), x_ticks=ticks)
            plots.append(
                Plot(
                    f"{column.title} across runs",
                    assets.write(f"assets/plots/{slug}-history-{i}.svg", svg),
                    f"{column.title} of each cell in each run of the suite, oldest first "
                    "(a cell reused from an earlier run repeats its value).",
                )
            )
    return plots


def run_tick(run: Run) -> str:
    """A short run label: its start (UTC) and the run id's random suffix."""
    start = run.started_at.strftime("%m-%d %H:%M") if run.started_at else "?"
    return f"{start} {run.run_id.rsplit('-', 1)[-1]}"


def gallery(run: Run, assets: Assets) -> list[GalleryItem]:
    """Each cell's stored sample grids, clips and generations (files named by content
    hash); other text artifacts are shown as text. A training cell's grids at its
    checkpoints are left to the training section, which chooses among them."""
    items = []
    for cell in run.cells:
        for sample in cell.samples:
            if GRID.match(sample.name):
                continue
            if _generations(sample) is not None:
                src = assets.write(f"assets/samples/{sample.sha256[:20]}.jsonl", sample.content)
                items.append(GalleryItem(cell, sample, src=src))
                continue
            if sample.media_type in AUDIO_SUFFIX:
                suffix = AUDIO_SUFFIX[sample.media_type]
                src = assets.write(f"assets/samples/{sample.sha256[:20]}.{suffix}", sample.content)
                items.append(GalleryItem(cell, sample, src=src, audio=True))
                continue
            suffix = IMAGE_SUFFIX.get(sample.media_type)
            if suffix is None:
                items.append(GalleryItem(cell, sample, text=_text(sample)))
                continue
            with Image.open(io.BytesIO(sample.content)) as image:
                size = image.size
            src = assets.write(f"assets/samples/{sample.sha256[:20]}.{suffix}", sample.content)
            items.append(GalleryItem(cell, sample, src=src, size=size))
    return items


def text_examples(run: Run) -> list[TextExample]:
    """The first ``TEXT_EXAMPLES`` prompts of the run, each with every cell's generation."""
    by_prompt: dict[tuple[str, str], list[tuple[Cell, str]]] = {}
    for cell in run.cells:
        for sample in cell.samples:
            for row in (_generations(sample) or [])[:TEXT_EXAMPLES]:
                key = (_clip(row["prompt"]), _clip(row.get("reference", "")))
                by_prompt.setdefault(key, []).append((cell, _clip(row["generation"])))
    examples = list(by_prompt.items())[:TEXT_EXAMPLES]
    return [TextExample(prompt, reference, rows) for (prompt, reference), rows in examples]


def _generations(sample: Sample) -> list[dict[str, str]] | None:
    """The rows of a text cell's samples.jsonl; None when ``sample`` is something else."""
    if sample.media_type != GENERATIONS:
        return None
    try:
        rows = [json.loads(line) for line in sample.content.decode("utf-8").splitlines() if line]
    except ValueError:
        return None
    wanted = ("prompt", "generation")
    if all(isinstance(r, dict) and all(isinstance(r.get(k), str) for k in wanted) for r in rows):
        return rows
    return None


def _text(sample: Sample) -> str:
    text = sample.content.decode("utf-8", errors="replace")
    if sample.media_type == "application/json":
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
    return _clip(text)


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "\n…"


def signatures(run: Run) -> list[Signature]:
    found: dict[str, Signature] = {}
    for cell in run.cells:
        for d in cell.details.values():
            if d.signature_hash and d.signature is not None and d.signature_hash not in found:
                label = d.label if d.kind == "quality" else f"{d.kind} metrics ({d.metric}, …)"
                body = json.dumps(d.signature, indent=1, sort_keys=True)
                found[d.signature_hash] = Signature(d.signature_hash, label, body)
    return sorted(found.values(), key=lambda s: (s.label, s.hash))


def environments(runs: list[Run]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every environment of the runs shown, the latest run's first."""
    found: dict[str, dict[str, Any]] = {}
    for run in reversed(runs):
        for env_id in sorted(run.environments, key=lambda e: e != run.env_id):
            found.setdefault(env_id, run.environments[env_id])
    return [(env_id, environment_rows(env)) for env_id, env in found.items()]


def environment_rows(env: dict[str, Any]) -> list[tuple[str, str]]:
    """An environment as (key, text) pairs; sizes readable, package versions on one line."""
    rows = [
        (key, fmt.quantity(value, "bytes") if key.endswith("_bytes") else str(value))
        for key, value in env.items()
        if key != "packages" and value is not None
    ]
    packages = env.get("packages") or {}
    installed = ", ".join(f"{name} {version}" for name, version in packages.items() if version)
    return [*rows, ("packages", installed)] if installed else rows


def _level(board: Leaderboard) -> str:
    levels = {d.ci_level for c in board.run.cells for d in c.details.values() if d.ci_level}
    return f"{levels.pop():.0%}" if len(levels) == 1 else "confidence"


def _axis_title(column: Column, unit: str) -> str:
    title = f"{column.title} [{unit}]" if unit and unit not in column.title else column.title
    return f"{title} ({column.direction})" if column.direction else title
