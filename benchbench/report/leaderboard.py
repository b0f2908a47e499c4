"""A run as a leaderboard: one row per cell, one entry per column, best and ties marked,
each entry carrying the provenance a reader needs to trust it; and the per-family
summary that compares architectures column by column."""

from __future__ import annotations

import json
from dataclasses import dataclass

from benchbench.report import format as fmt
from benchbench.report.columns import NOTES, Column, columns_for
from benchbench.report.data import Cell, Run
from benchbench.report.ranking import Mark, marks, ranks, usable
from benchbench.report.summary import Value
from benchbench.report.training import is_stability, quality_first


@dataclass(frozen=True)
class Entry:
    """One number in the table, with what it takes to check it."""

    value: Value | None
    mark: Mark
    text: str
    interval: str
    provenance: str  # tooltip: CI level, n, run, signature, warnings
    signature_hash: str | None
    warnings: tuple[str, ...]

    @property
    def sort_key(self) -> str:
        return "" if not usable(self.value) else repr(self.value.value)


@dataclass(frozen=True)
class Row:
    cell: Cell
    rank: int | None
    entries: list[Entry]


@dataclass(frozen=True)
class Leaderboard:
    run: Run
    columns: list[Column]
    rows: list[Row]

    @property
    def primary(self) -> Column | None:
        return primary_column(self.columns)

    @property
    def notes(self) -> list[str]:
        """What some of the board's columns need said below it."""
        return [NOTES[c.key] for c in self.columns if c.key in NOTES]


def primary_column(columns: list[Column]) -> Column | None:
    """The column rows are ranked by: the first quality metric with a direction."""
    return next(
        (c for c in columns if c.group == "quality" and c.higher_is_better is not None), None
    )


@dataclass(frozen=True)
class FamilyRow:
    """One architecture family: how many cells, and its best cell in each column."""

    family: str
    models: list[str]
    cells: int
    best: list[tuple[Entry, Cell] | None]  # per column


def build_leaderboard(run: Run) -> Leaderboard:
    """Every cell but a training run's stability cells (they have a table of their own)."""
    cells = [c for c in run.cells if not is_stability(c)]
    columns = quality_first(run, columns_for(cells))
    complete = [c for c in cells if c.summary.status == "complete"]
    entries = {c.cell_id: [] for c in cells}
    for column in columns:
        values = [column.value(c) for c in complete]
        for cell, value, mark in zip(
            complete, values, marks(values, column.higher_is_better), strict=True
        ):
            entries[cell.cell_id].append(entry(column, cell, value, mark))
    primary = primary_column(columns)
    rank_of: dict[str, int | None] = {}
    if primary is not None:
        values = [primary.value(c) for c in complete]
        rank_of = dict(
            zip(
                (c.cell_id for c in complete),
                ranks(values, primary.higher_is_better),
                strict=True,
            )
        )
    rows = [Row(c, rank_of.get(c.cell_id), entries[c.cell_id]) for c in cells]
    index = columns.index(primary) if primary else None
    rows.sort(key=lambda r: _order(r, primary, index))
    return Leaderboard(run, columns, rows)


def _order(row: Row, primary: Column | None, index: int | None) -> tuple:
    """Complete cells first, by rank, then by the primary value, then in suite order."""
    failed = row.cell.summary.status != "complete"
    value = row.entries[index].value if index is not None and not failed else None
    if primary is None or not usable(value):
        return (failed, 1, 0, 0.0, row.cell.summary.position)
    directed = -value.value if primary.higher_is_better else value.value
    return (failed, 0, row.rank or 0, directed, row.cell.summary.position)


def entry(column: Column, cell: Cell, value: Value | None, mark: Mark) -> Entry:
    detail = column.detail(cell)
    if value is None:
        return Entry(None, Mark.NONE, "–", "", "not measured", None, ())
    lines = [f"{column.title} = {fmt.quantity(value.value, column.unit)}"]
    if value.ci_low is not None and detail is not None and detail.ci_level:
        lines[0] += f", {detail.ci_level:.0%} CI {fmt.interval(value, column.unit)}"
    if value.n is not None:
        lines[0] += f" (n={value.n})"
    lines.append(
        f"measured in run {cell.measured_in}, {fmt.timestamp(cell.finished_at)}, on {cell.device}"
    )
    if detail is not None and detail.signature is not None:
        lines.append(f"{detail.metric} signature {detail.signature_hash}:")
        lines.append(json.dumps(detail.signature, sort_keys=True))
    lines += [f"warning: {w}" for w in value.warnings]
    text = fmt.quantity(value.value, column.unit)
    return Entry(
        value=value,
        mark=mark,
        text=f"{value.label} ({text})" if value.label else text,
        interval=fmt.interval(value, column.unit),
        provenance="\n".join(lines),
        signature_hash=detail.signature_hash if detail else None,
        warnings=value.warnings,
    )


def family_summary(board: Leaderboard) -> list[FamilyRow]:
    """Per family, the best cell in each column (ties broken by suite order)."""
    families: dict[str, list[Row]] = {}
    for row in board.rows:
        if row.cell.summary.status == "complete":
            families.setdefault(row.cell.summary.family, []).append(row)
    result = []
    for family in sorted(families):
        rows = sorted(families[family], key=lambda r: r.cell.summary.position)
        best: list[tuple[Entry, Cell] | None] = []
        for index, column in enumerate(board.columns):
            values = [r.entries[index].value for r in rows]
            mark = marks(values, column.higher_is_better)
            winner = next((r for r, m in zip(rows, mark, strict=True) if m is Mark.BEST), None)
            best.append((winner.entries[index], winner.cell) if winner else None)
        models = list(dict.fromkeys(r.cell.summary.model for r in rows))
        result.append(FamilyRow(family, models, len(rows), best))
    return result
