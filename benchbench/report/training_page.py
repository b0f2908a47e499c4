"""A training run's section of the site: the stability table, quality and losses over
training with seed bands, and sample grids of a collapsed run beside a healthy one."""

from __future__ import annotations

from dataclasses import dataclass

from benchbench.report.assets import Assets
from benchbench.report.columns import Column
from benchbench.report.data import Cell, Run, Sample
from benchbench.report.leaderboard import Entry, entry
from benchbench.report.plots import Plot, band_plot
from benchbench.report.ranking import marks
from benchbench.report.summary import SUMMARY_GROUPS
from benchbench.report.training import (
    Band,
    GridPair,
    TrainingSpec,
    block_bands,
    block_series,
    checkpoint_bands,
    checkpoint_metrics,
    grid_pairs,
    is_stability,
)


@dataclass(frozen=True)
class StabilityRow:
    cell: Cell
    seeds: int | None  # n of its figures
    entries: list[Entry]


@dataclass(frozen=True)
class StabilityTable:
    columns: list[Column]
    definitions: dict[str, str]  # column key -> what it means
    rows: list[StabilityRow]


@dataclass(frozen=True)
class TrainingSection:
    spec: TrainingSpec
    quality_label: str  # the quality metric's label, e.g. FD[digits-cnn]
    table: StabilityTable
    curves: list[Plot]
    pairs: list[GridPair]
    grid_src: dict[str, str]  # a grid's sha256 -> its file under assets/


def training_section(run: Run, slug: str, assets: Assets) -> TrainingSection:
    spec = TrainingSpec.of(run.suite)
    pairs = grid_pairs(run, spec)
    shown = [s for pair in pairs for _, *both in pair.grids for s in both if s is not None]
    return TrainingSection(
        spec=spec,
        quality_label=checkpoint_metrics(run).get(spec.quality, spec.quality),
        table=stability_table(run, spec),
        curves=training_plots(run, slug, assets),
        pairs=pairs,
        grid_src={s.sha256: _write_grid(s, assets) for s in shown},
    )


def stability_table(run: Run, spec: TrainingSpec) -> StabilityTable:
    """One row per stability cell, one column per figure: the design's figures in their
    order, then any other the run stored."""
    cells = [c for c in run.cells if is_stability(c) and c.summary.status == "complete"]
    label = checkpoint_metrics(run).get(spec.quality, spec.quality)
    meanings = spec.definitions(label)
    stored = dict.fromkeys(k for c in cells for k in c.details)
    keys = [k for k in meanings if k in stored] + [k for k in stored if k not in meanings]
    columns = [_column(k, cells) for k in keys]
    entries: dict[str, list[Entry]] = {c.cell_id: [] for c in cells}
    for column in columns:
        values = [column.value(c) for c in cells]
        for cell, value, mark in zip(
            cells, values, marks(values, column.higher_is_better), strict=True
        ):
            entries[cell.cell_id].append(entry(column, cell, value, mark))
    rows = [StabilityRow(c, _seeds(entries[c.cell_id]), entries[c.cell_id]) for c in cells]
    return StabilityTable(columns, {k: meanings.get(k, "") for k in keys}, rows)


def _column(key: str, cells: list[Cell]) -> Column:
    """The figure's column, in the summary's group of its kind (a time stored as a speed
    measurement, device-bound, is read from the speed group)."""
    detail = next(c.details[key] for c in cells if key in c.details)
    group = detail.kind if detail.kind in SUMMARY_GROUPS else "quality"
    return Column(key, group, key, "stability", detail.unit, detail.higher_is_better)


def _seeds(entries: list[Entry]) -> int | None:
    """How many seeds the row's figures summarise (their largest n)."""
    counts = [e.value.n for e in entries if e.value is not None and e.value.n is not None]
    return max(counts, default=None)


def training_plots(run: Run, slug: str, assets: Assets) -> list[Plot]:
    """Each checkpoint metric against steps, the quality against training seconds, and
    each loss and gradient norm against steps: per setting, seed bands."""
    spec = TrainingSpec.of(run.suite)
    figures: list[tuple[str, str, dict[str, Band], str]] = []
    evaluated = checkpoint_metrics(run)
    quality_first = sorted(evaluated, key=lambda metric: metric != spec.quality)
    for metric, label in ((m, evaluated[m]) for m in quality_first):
        figures.append((f"{label} vs training steps", "step", checkpoint_bands(run, metric), label))
        if metric == spec.quality:
            by_time = checkpoint_bands(run, metric, x="train_seconds")
            figures.append((f"{label} vs training seconds", "training seconds", by_time, label))
    for series in block_series(run):
        title = f"{series} vs training steps (block means)"
        figures.append((title, "step", block_bands(run, series), series))
    plots = []
    for i, (title, x_label, found, y_label) in enumerate(figures):
        if not found:
            continue
        svg = band_plot(list(found.values()), x_label, y_label)
        src = assets.write(f"assets/plots/{slug}-training-{i}.svg", svg)
        plots.append(Plot(title, src, band_caption(list(found.values()), x_label)))
    return plots


def band_caption(bands: list[Band], x_label: str) -> str:
    """What a band shows, with the number of seeds behind it."""
    counts = sorted({n for band in bands for n in band.seeds})
    seeds = f"{counts[-1]} seeds" if len(counts) == 1 else f"{counts[0]}–{counts[-1]} seeds"
    where = (
        " Points sit at the seeds' median training seconds of each checkpoint (evaluation "
        "excluded)."
        if x_label == "training seconds"
        else ""
    )
    return (
        f"Per setting, the median over its {seeds} (line) inside their min–max band; with "
        f"so few seeds the band shows the spread, not a confidence interval. Colour: family; "
        f"line style: setting within it.{where} A seed that stopped early (diverged) leaves "
        "the later points to the others."
    )


def _write_grid(sample: Sample, assets: Assets) -> str:
    return assets.write(f"assets/samples/{sample.sha256[:20]}.png", sample.content)
