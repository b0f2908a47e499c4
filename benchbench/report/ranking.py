"""Best, tied, rank and Pareto front — decided on intervals, not on point values alone.

Two cells whose confidence intervals overlap are not shown as different: the best
value of a column is marked, and every cell whose interval overlaps the best's is
marked as tied with it. A cell's rank is 1 + the number of cells whose interval lies
entirely on the better side of its own, so tied cells share a rank.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

from benchbench.report.summary import Value


class Mark(StrEnum):
    BEST = "best"
    TIED = "tied"
    NONE = ""


def usable(value: Value | None) -> bool:
    return value is not None and not math.isnan(value.value)


def has_interval(value: Value) -> bool:
    return value.ci_low is not None and value.ci_high is not None


def overlap(a: Value, b: Value) -> bool | None:
    """Whether two intervals overlap; None when either value has no interval."""
    if not (has_interval(a) and has_interval(b)):
        return None
    return a.ci_low <= b.ci_high and b.ci_low <= a.ci_high


def clearly_better(a: Value, b: Value, higher_is_better: bool) -> bool:
    """``a`` beats ``b`` beyond the noise: disjoint intervals (or, without them, values)."""
    if overlap(a, b):
        return False
    return a.value > b.value if higher_is_better else a.value < b.value


def marks(values: Sequence[Value | None], higher_is_better: bool | None) -> list[Mark]:
    """BEST for the best point value(s), TIED for those statistically tied with it."""
    found = [Mark.NONE] * len(values)
    indices = [i for i, v in enumerate(values) if usable(v)]
    if higher_is_better is None or not indices:
        return found
    pick = max if higher_is_better else min
    best_value = pick(values[i].value for i in indices)
    best = [i for i in indices if values[i].value == best_value]
    for i in indices:
        if i in best:
            found[i] = Mark.BEST
        elif any(overlap(values[i], values[j]) for j in best):
            found[i] = Mark.TIED
    return found


def ranks(values: Sequence[Value | None], higher_is_better: bool | None) -> list[int | None]:
    """1 + the number of values clearly better than each; None where there is no value."""
    if higher_is_better is None:
        return [None] * len(values)
    present = [v for v in values if usable(v)]
    return [
        1 + sum(clearly_better(other, v, higher_is_better) for other in present)
        if usable(v)
        else None
        for v in values
    ]


def pareto_front(
    points: Sequence[tuple[float, float]], maximize: tuple[bool, bool] = (True, True)
) -> list[bool]:
    """Which points no other point beats on both axes (at least as good on both, better on one)."""

    def at_least(a: float, b: float, up: bool) -> bool:
        return a >= b if up else a <= b

    def dominates(p: tuple[float, float], q: tuple[float, float]) -> bool:
        return all(at_least(p[k], q[k], maximize[k]) for k in (0, 1)) and p != q

    return [not any(dominates(other, point) for other in points) for point in points]
