"""Numbers as people read them: three significant digits, units, intervals, dates."""

from __future__ import annotations

import math
from datetime import datetime

from benchbench.report.summary import Value

BYTE_UNITS = (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def number(value: float | None, digits: int = 3) -> str:
    """Three significant digits; thousands and millions as k and M."""
    if value is None or math.isnan(value):
        return "–"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g}{suffix}"
    return f"{value:.{digits}g}"


def quantity(value: float | None, unit: str) -> str:
    """A value with its unit: bytes as KiB/MiB/GiB, seconds as s, ms or µs."""
    if value is None or math.isnan(value):
        return "–"
    if unit == "bytes":
        for name, size in BYTE_UNITS:
            if abs(value) >= size:
                return f"{value / size:,.{1 if value < 10 * size else 0}f} {name}"
        return f"{value:.0f} B"
    if unit == "fraction":
        return f"{number(100 * value)}%"
    if unit == "×":
        return f"{number(value)}×"
    if unit == "s":
        for name, size in (("s", 1.0), ("ms", 1e-3)):
            if abs(value) >= size:
                return f"{number(value / size)} {name}"
        return f"{number(value / 1e-6)} µs"
    return number(value)


def interval(value: Value | None, unit: str = "") -> str:
    """``[low–high]`` of a value's confidence interval, or nothing when it has none."""
    if value is None or value.ci_low is None or value.ci_high is None:
        return ""
    if unit in ("bytes", "s"):
        return f"[{quantity(value.ci_low, unit)} – {quantity(value.ci_high, unit)}]"
    return f"[{number(value.ci_low)}–{number(value.ci_high)}]"


def with_interval(value: Value | None, unit: str = "") -> str:
    if value is None:
        return "–"
    ci = interval(value, unit)
    return f"{quantity(value.value, unit)} {ci}".strip()


def timestamp(when: datetime | None) -> str:
    """Minutes, UTC: enough to tell runs apart, the same on every machine."""
    if when is None:
        return "–"
    return when.strftime("%Y-%m-%d %H:%M UTC")
