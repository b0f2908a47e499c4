"""Matplotlib figures as SVG text, byte-for-byte reproducible.

No pyplot and no global backend: each figure gets its own SVG canvas. The hash salt
is fixed and the date left out, so regenerating an unchanged report changes no file.
Text stays text (``svg.fonttype: none``), escaped by matplotlib's SVG writer; user
text is also kept out of mathtext by escaping ``$``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from benchbench.report.series import Point

if TYPE_CHECKING:
    from benchbench.report.training import Band

STYLE = {
    "svg.hashsalt": "benchbench",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
METADATA = {"Date": None, "Creator": "benchbench"}


@dataclass(frozen=True)
class Plot:
    """A figure of the site: its title, its SVG file under assets/, and what it shows."""

    title: str
    src: str
    caption: str


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
SIZE = (6.4, 3.8)
LINESTYLES = ("-", "--", ":", "-.")  # settings of one family: one colour, these styles


def plain(text: str) -> str:
    """User text shown as typed: a ``$`` would otherwise start mathtext."""
    return text.replace("$", r"\$")


def colors(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per name (sorted), so a family keeps its colour across plots."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def pareto_plot(
    points: list[Point],
    front: list[bool],
    x_label: str,
    y_label: str,
    higher_is_better: bool,
) -> str:
    """Quality (y, better upwards) against throughput (x, log where it spans decades)."""
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure()
        palette = colors([p.family for p in points])
        for family, color in palette.items():
            mine = [p for p in points if p.family == family]
            _errorbars(ax, mine, color, label=plain(family), marker="o", linestyle="none")
        on_front = sorted((p for p, f in zip(points, front, strict=True) if f), key=lambda p: p.x)
        if len(on_front) > 1:
            ax.plot(
                [p.x for p in on_front],
                [p.y for p in on_front],
                color="#444",
                linestyle="--",
                linewidth=1,
                label="Pareto front",
                zorder=1,
            )
        _log_if_wide(ax, [p.x for p in points])
        if not higher_is_better:
            ax.invert_yaxis()
        _label(ax, points, front)
        ax.set_xlabel(plain(x_label) + " (better →)")
        ax.set_ylabel(plain(y_label) + " (better ↑)")
        ax.legend(fontsize=7, loc="best")
        return _svg(fig)


def line_plot(
    series: dict[str, list[Point]],
    x_label: str,
    y_label: str,
    x_ticks: list[str] | None = None,
    log_x: bool = False,
) -> str:
    """One line per series with CI error bars; ``x_ticks`` names integer x positions."""
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure()
        palette = colors(list(series))
        for name, points in series.items():
            _errorbars(ax, points, palette[name], label=plain(name), marker="o", linestyle="-")
        if x_ticks is not None:
            ax.set_xticks(range(len(x_ticks)), [plain(t) for t in x_ticks], rotation=20, ha="right")
        elif log_x:
            ax.set_xscale("log")
            ticks = sorted({p.x for points in series.values() for p in points})
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.set_xlabel(plain(x_label))
        ax.set_ylabel(plain(y_label))
        ax.legend(fontsize=7, loc="best")
        return _svg(fig)


def band_plot(bands: Sequence[Band], x_label: str, y_label: str) -> str:
    """Per setting, the median over seeds as a line in a min–max band: one colour per
    family, one line style per setting within it (so a fragile setting stands apart)."""
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure()
        palette = colors([b.family for b in bands])
        styles: dict[str, int] = {}
        for band in bands:
            color = palette[band.family]
            style = LINESTYLES[styles.setdefault(band.family, 0) % len(LINESTYLES)]
            styles[band.family] += 1
            ax.fill_between(band.x, band.low, band.high, color=color, alpha=0.15, linewidth=0)
            label = plain(f"{band.setting} ({band.family})")
            ax.plot(band.x, band.median, color=color, linestyle=style, marker=".", label=label)
        ax.set_xlabel(plain(x_label))
        ax.set_ylabel(plain(y_label))
        ax.legend(fontsize=7, loc="best")
        return _svg(fig)


def _label(ax: Axes, points: list[Point], bold: list[bool]) -> None:
    """Name each point beside it, towards the middle, stepping down past close neighbours."""
    ax.autoscale_view()
    to_axes = ax.transData + ax.transAxes.inverted()
    placed: list[tuple[float, float]] = []
    for p, strong in zip(points, bold, strict=True):
        fx, fy = to_axes.transform((p.x, p.y))
        right = fx > 0.55
        near = sum(abs(qx - fx) < 0.1 and abs(qy - fy) < 0.06 for qx, qy in placed)
        placed.append((fx, fy))
        ax.annotate(
            plain(p.label),
            (p.x, p.y),
            textcoords="offset points",
            xytext=(-6 if right else 6, 4 - 10 * near),
            ha="right" if right else "left",
            fontsize=7,
            fontweight="bold" if strong else "normal",
        )


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=SIZE, layout="constrained")
    FigureCanvasSVG(fig)
    return fig, fig.add_subplot()


def _errorbars(ax: Axes, points: list[Point], color: str, **style: object) -> None:
    if not points:
        return
    low = [p.y - p.low if p.low is not None else 0.0 for p in points]
    high = [p.high - p.y if p.high is not None else 0.0 for p in points]
    ax.errorbar(
        [p.x for p in points],
        [p.y for p in points],
        yerr=[[max(v, 0.0) for v in low], [max(v, 0.0) for v in high]],
        color=color,
        capsize=3,
        markersize=5,
        **style,
    )


def _log_if_wide(ax: Axes, xs: list[float]) -> None:
    positive = [x for x in xs if x > 0]
    if positive and len(positive) == len(xs) and max(positive) / min(positive) >= 20:
        ax.set_xscale("log")


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=METADATA)
    return buffer.getvalue()
