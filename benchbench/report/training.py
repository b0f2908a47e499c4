"""What a training run's report shows, read from the run: quality and losses over
training as seed bands per setting, the stability table's columns and what they mean,
and which sample grids to set side by side.

The run side's names (cell adapters, measurement and artifact names, the suite's
``training`` block) are all in the constants below, in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from benchbench.report.columns import Column
from benchbench.report.data import Cell, Run, Sample
from benchbench.report.summary import SUMMARY_GROUPS, Value

TRAINER_ADAPTER = "trainer:"  # a seed cell's adapter: trainer:<name>
STABILITY_ADAPTER = "stability:"  # a setting's stability cell: stability:<trainer>
GRID = re.compile(r"^samples-step-(\d+)\.png$")  # a seed cell's grid at a checkpoint
SEED_PARAM = "seed"  # in a seed cell's suite params, beside the hyper the suite sets
COLLAPSED, DIVERGED = "collapsed", "diverged"  # a seed cell's 0/1 measurements
# The stability table's columns, in order: name (``{q}``: the quality metric) and meaning.
STABILITY_COLUMNS = (
    ("final_{q}_median", "median over seeds of the final {Q}"),
    ("final_{q}_std", "seed-to-seed standard deviation of the final {Q}"),
    ("final_{q}_iqr", "interquartile range over seeds of the final {Q}"),
    ("divergence_rate", "share of seeds that diverged: {diverged}"),
    ("collapse_rate", "share of seeds that collapsed: {collapsed}"),
    ("best_last_gap", "median over seeds of final − best {Q} over the checkpoints (oscillation)"),
    ("target_reached_rate", "share of seeds whose {Q} reached the target {target}"),
    ("time_to_target_s", "median training seconds until {Q} first reached {target}"),
)


def is_stability(cell: Cell) -> bool:
    return cell.adapter.startswith(STABILITY_ADAPTER)


def is_seed(cell: Cell) -> bool:
    return cell.adapter.startswith(TRAINER_ADAPTER) and cell.summary.status == "complete"


def is_training_run(run: Run) -> bool:
    return any(is_stability(c) or is_seed(c) for c in run.cells)


def quality_first(run: Run, columns: list[Column]) -> list[Column]:
    """A training run's columns with its quality metric's first, so that the per-seed
    leaderboard ranks by the metric the suite follows; other runs' columns as they are."""
    if not is_training_run(run):
        return columns
    label = checkpoint_metrics(run).get(TrainingSpec.of(run.suite).quality)
    return sorted(columns, key=lambda column: column.key != label)


def setting_of(cell: Cell) -> str:
    """The cell's setting: its recipe and the hyper-parameters the suite sets, no seed."""
    knobs = " ".join(f"{k}={v}" for k, v in cell.summary.suite_params.items() if k != SEED_PARAM)
    return f"{cell.summary.model} {knobs}".strip()


@dataclass(frozen=True)
class TrainingSpec:
    """The suite's ``training`` block as the report needs it (from the run's suite JSON)."""

    quality: str  # the metric the figures follow, e.g. "fd"
    collapse: dict[str, float]  # metric -> threshold
    target: float | None

    @classmethod
    def of(cls, suite: dict[str, Any]) -> TrainingSpec:
        block = suite.get("training") or {}
        quality = block.get("quality") or next(iter(suite.get("metrics") or ["fd"]))
        return cls(quality, dict(block.get("collapse") or {}), block.get("target"))

    def definitions(self, label: str) -> dict[str, str]:
        """Stability metric name -> what it means, with this suite's thresholds."""
        below = " or ".join(f"{m} < {t:g}" for m, t in self.collapse.items())
        unstated = "(the run's suite states no {})"
        words = {
            "Q": label,
            "collapsed": f"at its last checkpoint {below}"
            if below
            else unstated.format("threshold"),
            "diverged": f"a non-finite loss or gradient norm, or a final {label} worse than "
            "at step 0",
            "target": unstated.format("target") if self.target is None else f"{self.target:g}",
        }
        return {
            name.format(q=self.quality): meaning.format(**words)
            for name, meaning in STABILITY_COLUMNS
        }


@dataclass(frozen=True)
class Band:
    """One setting's curve over the seeds: at each x, the median and the min–max."""

    setting: str
    family: str
    x: list[float]
    median: list[float]
    low: list[float]
    high: list[float]
    seeds: list[int]  # how many seeds each point summarises


def bands(frame: pd.DataFrame, run: Run, value: str, x: str = "step") -> dict[str, Band]:
    """Per setting, median and min–max over seeds of ``value`` at each ``x``.

    ``frame`` has one row per seed cell and x (a ``position`` column names the cell).
    With ``x`` = ``train_seconds`` the points sit at the seeds' median seconds of each step.
    A seed that stopped early (diverged) leaves the later points to the others."""
    cells = {c.summary.position: c for c in run.cells if is_seed(c)}
    found: dict[str, Band] = {}
    frame = frame[frame["position"].isin(list(cells))]
    frame = frame.assign(setting=[setting_of(cells[p]) for p in frame["position"]])
    for setting, rows in frame.groupby("setting", sort=False):
        steps = rows.groupby("step", sort=True)
        stats = steps[value].agg(["median", "min", "max", "count"])
        where = stats.index if x == "step" else steps[x].median()
        family = cells[int(rows["position"].iloc[0])].summary.family
        found[setting] = Band(
            setting,
            family,
            [float(v) for v in where],
            [float(v) for v in stats["median"]],
            [float(v) for v in stats["min"]],
            [float(v) for v in stats["max"]],
            [int(v) for v in stats["count"]],
        )
    return dict(sorted(found.items(), key=lambda item: (item[1].family, item[0])))


def checkpoint_bands(run: Run, metric: str, x: str = "step") -> dict[str, Band]:
    """Bands of one checkpoint metric (by name, e.g. ``fd``) against step or seconds."""
    rows = run.checkpoints[run.checkpoints["metric"] == metric]
    return bands(rows, run, "value", x)


def block_bands(run: Run, series: str) -> dict[str, Band]:
    """Bands of one block series (e.g. ``loss/g``): the blocks' means, at their last step."""
    rows = run.blocks[run.blocks["series"] == series].rename(columns={"step_end": "step"})
    return bands(rows, run, "mean")


def checkpoint_metrics(run: Run) -> dict[str, str]:
    """Metric name -> label of every metric evaluated at the checkpoints, in first order."""
    frame = run.checkpoints
    return dict(zip(frame["metric"], frame["label"], strict=True))


def block_series(run: Run) -> list[str]:
    return sorted(set(run.blocks["series"].dropna()))


def final_value(cell: Cell, metric: str) -> Value | None:
    """A cell's value of ``metric`` by name, whatever its kind and label."""
    for key, detail in cell.details.items():
        if detail.metric == metric:
            return cell.value(detail.kind if detail.kind in SUMMARY_GROUPS else "quality", key)
    return None


@dataclass(frozen=True)
class GridPair:
    """Grids at chosen checkpoints of two seed cells, side by side."""

    why: str
    left: Cell  # the collapsed (or worst) run
    right: Cell  # the healthy (or best) run
    grids: list[tuple[int, Sample | None, Sample | None]]  # per chosen step: left's, right's

    @property
    def steps(self) -> list[int]:
        return [step for step, _, _ in self.grids]


def grids_of(cell: Cell) -> dict[int, Sample]:
    found = {}
    for sample in cell.samples:
        match = GRID.match(sample.name)
        if match:
            found[int(match.group(1))] = sample
    return dict(sorted(found.items()))


def chosen_steps(steps: list[int]) -> list[int]:
    """First, middle and last checkpoint (fewer when there are fewer)."""
    return sorted({steps[0], steps[len(steps) // 2], steps[-1]}) if steps else []


def grid_pairs(run: Run, spec: TrainingSpec) -> list[GridPair]:
    """Per family with a collapsed seed: its worst collapsed run beside its best healthy one
    (neither collapsed nor diverged). When no run collapsed: the run's worst final quality
    beside its best."""
    seeds = [c for c in run.cells if is_seed(c) and grids_of(c)]
    better = _better(run, spec.quality)
    if not seeds or better is None:
        return []
    ranked = sorted(
        (c for c in seeds if final_value(c, spec.quality)),
        key=lambda c: final_value(c, spec.quality).value * (-1 if better else 1),
    )  # best first
    pairs = []
    for family in dict.fromkeys(c.summary.family for c in ranked):
        mine = [c for c in ranked if c.summary.family == family]
        collapsed = [c for c in mine if _flag(c, COLLAPSED)]
        healthy = [c for c in mine if not _flag(c, COLLAPSED) and not _flag(c, DIVERGED)]
        if collapsed and healthy:
            why = (
                f"a collapsed {family} run (of those, the worst final {spec.quality}) beside "
                f"the healthy {family} run with the best"
            )
            pairs.append(_pair(why, collapsed[-1], healthy[0]))
    if not pairs and len(ranked) > 1:
        why = f"no run collapsed: the worst final {spec.quality} beside the best"
        pairs.append(_pair(why, ranked[-1], ranked[0]))
    return pairs


def _pair(why: str, left: Cell, right: Cell) -> GridPair:
    mine, theirs = grids_of(left), grids_of(right)
    steps = chosen_steps(sorted(set(mine) | set(theirs)))
    return GridPair(why, left, right, [(s, mine.get(s), theirs.get(s)) for s in steps])


def _flag(cell: Cell, metric: str) -> bool:
    value = final_value(cell, metric)
    return value is not None and value.value >= 0.5


def _better(run: Run, metric: str) -> bool | None:
    """Whether higher ``metric`` is better, as the run's checkpoints recorded it."""
    rows = run.checkpoints[run.checkpoints["metric"] == metric]["higher_is_better"].dropna()
    return None if rows.empty else bool(rows.iloc[0])
