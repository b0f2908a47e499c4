"""The data behind each plot, taken from leaderboards: quality vs throughput with its
Pareto front, parameter sweeps (diffusion steps, guidance, temperature), and each metric
across a suite's runs."""

from __future__ import annotations

from dataclasses import dataclass, replace

from benchbench.report.columns import Column
from benchbench.report.leaderboard import Leaderboard
from benchbench.report.ranking import pareto_front, usable
from benchbench.report.summary import Value

MIB = 2**20


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    low: float | None
    high: float | None
    label: str
    family: str


def point(x: float, value: Value, label: str, family: str) -> Point:
    return Point(x, value.value, value.ci_low, value.ci_high, label, family)


def pareto_points(
    board: Leaderboard, quality: Column, speed: Column
) -> tuple[list[Point], list[bool]]:
    """Cells with both values, and which of them are on the quality-vs-speed front."""
    q, s = board.columns.index(quality), board.columns.index(speed)
    points = [
        point(
            row.entries[s].value.value,
            row.entries[q].value,
            row.cell.label,
            row.cell.summary.family,
        )
        for row in board.rows
        if row.cell.summary.status == "complete"
        and usable(row.entries[q].value)
        and usable(row.entries[s].value)
    ]
    front = pareto_front(
        [(p.x, p.y) for p in points], (bool(speed.higher_is_better), bool(quality.higher_is_better))
    )
    return points, front


def sweep_series(board: Leaderboard, column: Column, param: str) -> dict[str, list[Point]]:
    """Per model and other params, the column's value at each value of the numeric
    parameter ``param`` (e.g. ``steps``) — where it is swept."""
    index = board.columns.index(column)
    groups: dict[str, list[Point]] = {}
    for row in sorted(board.rows, key=lambda r: r.cell.summary.position):
        cell = row.cell
        x = cell.params.get(param)
        value = row.entries[index].value if cell.summary.status == "complete" else None
        if not isinstance(x, int | float) or isinstance(x, bool) or not usable(value):
            continue
        others = {k: v for k, v in cell.summary.suite_params.items() if k != param}
        name = f"{cell.summary.model} " + " ".join(f"{k}={v}" for k, v in others.items())
        groups.setdefault(name.strip(), []).append(point(x, value, cell.label, cell.summary.family))
    return {
        name: sorted(points, key=lambda p: p.x)
        for name, points in groups.items()
        if len({p.x for p in points}) > 1
    }


def history_series(
    boards: list[Leaderboard], column: Column
) -> tuple[list[str], dict[str, list[Point]]]:
    """Run ids (oldest first) and, per cell identity, the column's value in each run."""
    series: dict[str, list[Point]] = {}
    labels: dict[str, str] = {}
    for x, board in enumerate(boards):
        index = next((i for i, c in enumerate(board.columns) if c.id == column.id), None)
        for row in board.rows:
            value = row.entries[index].value if index is not None and row.entries else None
            if not usable(value):
                continue
            labels.setdefault(row.cell.identity, row.cell.label)
            series.setdefault(row.cell.identity, []).append(
                point(x, value, row.cell.label, row.cell.summary.family)
            )
    return [b.run.run_id for b in boards], {labels[k]: v for k, v in series.items()}


def display_units(series: dict[str, list[Point]], unit: str) -> tuple[dict[str, list[Point]], str]:
    """Points in the unit a reader expects on an axis (bytes as MiB), and that unit."""
    if unit != "bytes":
        return series, unit
    return {
        name: [
            replace(
                p,
                y=p.y / MIB,
                low=None if p.low is None else p.low / MIB,
                high=None if p.high is None else p.high / MIB,
            )
            for p in points
        ]
        for name, points in series.items()
    }, "MiB"
