"""Two runs side by side: per cell × metric, both values, the change, and whether it
is more than noise (disjoint intervals) — or not comparable (different signatures, or
speed and memory measured on different device models).

Cells are matched by model name and suite params, as the gate does, so a cell whose
model changed is still compared with its old self.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchbench.records import DEVICE_BOUND_KINDS
from benchbench.report.columns import AXES, Column, columns_for
from benchbench.report.data import Cell, Run
from benchbench.report.ranking import overlap, usable
from benchbench.report.summary import Value

GROUPS = {"quality": "quality", "speed": "speed", "memory": "memory", "roofline": "roofline"}


@dataclass(frozen=True)
class Difference:
    cell: str
    column: Column
    a: Value | None
    b: Value | None
    not_comparable: str | None  # why A and B cannot be compared; None when they can

    @property
    def delta(self) -> float | None:
        if not (usable(self.a) and usable(self.b)):
            return None
        return self.b.value - self.a.value

    @property
    def relative(self) -> float | None:
        if self.delta is None or self.a.value == 0:
            return None
        return self.delta / abs(self.a.value)

    @property
    def overlap(self) -> bool | None:
        if not (usable(self.a) and usable(self.b)):
            return None
        return overlap(self.a, self.b)

    @property
    def verdict(self) -> str:
        if self.a is None:
            return "only in B"
        if self.b is None:
            return "only in A"
        if self.not_comparable:
            return f"not comparable: {self.not_comparable}"
        if self.delta is None:
            return "–"
        if self.delta == 0:
            return "same"
        if self.overlap:
            return "within noise"
        if self.column.higher_is_better is None:
            return "changed"
        better = (self.delta > 0) == self.column.higher_is_better
        verdict = "better" if better else "worse"
        return verdict if self.overlap is False else f"{verdict} (no CI)"


def diff_runs(run_a: Run, run_b: Run, every_metric: bool = False) -> list[Difference]:
    """Differences in B's cell order (then cells only in A), column by column.

    By default the leaderboard's columns (quality, throughput, peak memory, cold start);
    ``every_metric`` adds every stored metric (latency percentiles, CV, ...).
    """
    cells_a = {c.identity: c for c in run_a.cells}
    cells_b = {c.identity: c for c in run_b.cells}
    order = list(cells_b) + [k for k in cells_a if k not in cells_b]
    both = [*run_a.cells, *run_b.cells]
    columns = columns_for(both)
    if every_metric:
        columns += _other_columns(both, {c.id for c in columns})
    found = []
    for identity in order:
        a, b = cells_a.get(identity), cells_b.get(identity)
        label = (b or a).label
        for column in columns:
            value_a, value_b = _value(column, a), _value(column, b)
            if value_a is None and value_b is None:
                continue
            found.append(Difference(label, column, value_a, value_b, _why_not(column, a, b)))
    return found


def _value(column: Column, cell: Cell | None) -> Value | None:
    return None if cell is None else column.value(cell)


def _why_not(column: Column, a: Cell | None, b: Cell | None) -> str | None:
    if a is None or b is None:
        return None
    if column.group in DEVICE_BOUND_KINDS and a.device_name != b.device_name:
        return f"measured on {a.device_name} and {b.device_name}"
    da, db = column.detail(a), column.detail(b)
    if da is None or db is None or not (da.signature_hash and db.signature_hash):
        return None
    return None if da.signature_hash == db.signature_hash else "signatures differ"


def _other_columns(cells: list[Cell], shown: set[str]) -> list[Column]:
    extra: dict[str, Column] = {}
    for cell in cells:
        for key, detail in cell.details.items():
            column = Column(
                key,
                GROUPS.get(detail.kind, "quality"),
                key,
                AXES.get(detail.metric, detail.kind),
                detail.unit,
                detail.higher_is_better,
            )
            if column.id not in shown:
                extra.setdefault(column.id, column)
    return list(extra.values())
