"""``bench report`` (static HTML site or Markdown summary) and ``bench compare``.

Both read the store read-only: a report writes nothing to it.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from benchbench.cli.common import DbOption, console, describe_os_error, fail, opened_store
from benchbench.store.runs import DEFAULT_DB

DEFAULT_SITE = Path("reports/site")
MARKDOWN_SUFFIXES = (".md", ".markdown")
VERDICT_STYLES = {"better": "green", "worse": "red", "not comparable": "yellow", "only": "yellow"}


class Format(StrEnum):
    html = "html"
    markdown = "markdown"


def report(
    db: DbOption = DEFAULT_DB,
    out: Annotated[
        Path | None,
        typer.Option(
            help=f"html: the site folder (default {DEFAULT_SITE}); markdown: a file "
            "(default: print to stdout)."
        ),
    ] = None,
    suite: Annotated[
        list[str] | None,
        typer.Option("--suite", help="Only this suite (repeatable). Default: every suite."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run", help="Report this run instead of each suite's latest.")
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="html site or markdown table.")
    ] = (Format.html),
) -> None:
    """Build a leaderboard from the store: a static HTML site or a Markdown summary.

    The site (index.html + assets/, works from file:// and any static host) has sortable
    tables, CIs, ties, Pareto and steps plots, galleries, history and provenance; the
    Markdown summary is for a pull request."""
    from benchbench.report.markdown import render_markdown
    from benchbench.report.site import ReportError, build_site, load_boards

    if output_format is Format.html:
        out = _site_folder(out or DEFAULT_SITE)
    elif out is not None:
        _check_markdown_file(out)
    with opened_store(db, read_only=True) as store:
        try:
            if output_format is Format.markdown:
                text = render_markdown(load_boards(store, suite, run_id))
            else:
                index = build_site(store, out, suite, run_id)
        except ReportError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"cannot write the report to {out}: {describe_os_error(exc)}") from None
    if output_format is Format.html:
        console.print(f"leaderboard → {index}", highlight=False)
    elif out is None:
        sys.stdout.write(text)
    else:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)
        except OSError as exc:
            raise fail(f"cannot write the report to {out}: {describe_os_error(exc)}") from None
        console.print(f"markdown summary → {out}", highlight=False)


def _site_folder(out: Path) -> Path:
    """``out`` for the html site (created as it is written); a file there is an error."""
    if out.exists() and not out.is_dir():
        raise fail(
            f"--out {out} is a file; the html report is a folder (index.html and assets/): "
            f"give a folder, or --format markdown to write one file"
        )
    return out


def _check_markdown_file(out: Path) -> None:
    """A Markdown summary replaces an earlier ``.md`` file, nothing else: a folder, the
    store or any other existing file given as ``--out`` is an error, and is left as it is."""
    if out.is_dir():
        raise fail(
            f"--out {out} is a folder; the markdown summary is one file, e.g. {out}/summary.md"
        )
    if out.exists() and out.suffix.lower() not in MARKDOWN_SUFFIXES:
        raise fail(
            f"--out {out} exists and is not a {'/'.join(MARKDOWN_SUFFIXES)} file; "
            f"refusing to overwrite it: give a new path or an earlier summary"
        )


def compare(
    run_a: Annotated[str, typer.Argument(help="The earlier run (the reference).")],
    run_b: Annotated[str, typer.Argument(help="The later run.")],
    db: DbOption = DEFAULT_DB,
    every_metric: Annotated[
        bool, typer.Option("--all", help="Every stored metric, not only the leaderboard's.")
    ] = False,
) -> None:
    """Compare two runs, cell × metric: both values, the change, and whether it is noise.

    A change is noise when the confidence intervals overlap. Cells match by model and
    params."""
    from benchbench.report import format as fmt
    from benchbench.report.compare import diff_runs
    from benchbench.report.data import load_run

    with opened_store(db, read_only=True) as store:
        missing = [r for r in (run_a, run_b) if store.run(r) is None]
        if missing:
            raise fail(f"no run {missing[0]!r} in {db}")
        a, b = (load_run(store, r, samples=False) for r in (run_a, run_b))
    table = Table(title=f"{a.suite_name} {run_a} → {b.suite_name} {run_b}", title_justify="left")
    differences = diff_runs(a, b, every_metric)
    width = min(48, max((len(d.cell) for d in differences), default=4))
    table.add_column("cell", min_width=width, overflow="fold")
    for header in ("metric", "A", "B", "Δ", "Δ %", "CIs overlap", "verdict"):
        table.add_column(header, overflow="fold", justify="right" if "Δ" in header else "left")
    table.caption = (
        "within noise: the confidence intervals overlap; better/worse: they do not "
        "(or, marked 'no CI', the metric has none)."
    )
    previous = None
    for d in differences:
        unit = d.column.unit
        if previous is not None and d.cell != previous:
            table.add_section()
        table.add_row(
            Text(d.cell if d.cell != previous else ""),
            Text(d.column.title),
            Text(fmt.with_interval(d.a, unit)),
            Text(fmt.with_interval(d.b, unit)),
            Text("–" if d.delta is None else _signed(d.delta, unit)),
            Text("–" if d.relative is None else f"{d.relative:+.1%}"),
            Text({True: "yes", False: "no", None: "–"}[d.overlap]),
            Text(d.verdict, style=_style(d.verdict)),
        )
        previous = d.cell
    console.print(table)


def _signed(delta: float, unit: str) -> str:
    from benchbench.report import format as fmt

    return ("+" if delta > 0 else "-" if delta < 0 else "±") + fmt.quantity(abs(delta), unit)


def _style(verdict: str) -> str:
    return next((s for key, s in VERDICT_STYLES.items() if verdict.startswith(key)), "dim")
