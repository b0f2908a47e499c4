"""``bench report``: the static leaderboard site — index.html plus assets/ — from the store.

Only relative links to files written here (no CDN, no inline script, a strict
Content-Security-Policy), so the site works from ``file://`` and on any static host.
Templates autoescape everything; asset names come from content hashes and slugs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

import benchbench
from benchbench.report import format as fmt
from benchbench.report.assets import Assets
from benchbench.report.data import load_run
from benchbench.report.export import write_tables
from benchbench.report.leaderboard import Leaderboard, build_leaderboard
from benchbench.report.page import suite_page
from benchbench.store.runs import Store

STATIC = ("style.css", "sort.js")


class ReportError(ValueError):
    """Nothing to report: no such run or suite in the store."""


@dataclass(frozen=True)
class Download:
    table: str
    rows: int
    files: list[str]  # links, one per format


def select_runs(store: Store, suites: list[str] | None, run_id: str | None) -> list[str]:
    """The given run, or the latest run of each suite (every suite by default)."""
    if run_id is not None:
        if store.run(run_id) is None:
            raise ReportError(f"no run {run_id!r} in {store.path}")
        return [run_id]
    known = store.suite_names()
    if not known:
        raise ReportError(f"no runs in {store.path}; run a suite first (`bench run SUITE`)")
    missing = [name for name in suites or [] if name not in known]
    if missing:
        raise ReportError(
            f"no runs of suite {', '.join(map(repr, missing))} in {store.path}; "
            f"it holds: {', '.join(known)}"
        )
    return [store.latest_run_id(name) for name in suites or known]


def load_boards(store: Store, suites: list[str] | None, run_id: str | None) -> list[Leaderboard]:
    """One leaderboard per selected run (the Markdown summary uses these too)."""
    return [build_leaderboard(load_run(store, r)) for r in select_runs(store, suites, run_id)]


def build_site(
    store: Store, out: Path, suites: list[str] | None = None, run_id: str | None = None
) -> Path:
    """Write ``out/index.html`` and ``out/assets/``; returns the index path."""
    assets = Assets(out)
    pages = [suite_page(history(store, b), assets) for b in load_boards(store, suites, run_id)]
    for name in STATIC:
        content = resources.files(__package__).joinpath("static", name).read_bytes()
        assets.write(f"assets/{name}", content)
    run_ids = list(dict.fromkeys(r.run_id for page in pages for r in page.history_runs))
    tables = store.export_tables(run_ids)
    written = write_tables(tables, out / "assets" / "data")
    downloads = [
        Download(name, len(frame), [assets.keep(p) for p in written if p.stem == name])
        for name, frame in tables.items()
    ]
    html = (
        templates()
        .get_template("index.html.j2")
        .render(pages=pages, downloads=downloads, version=benchbench.__version__)
    )
    assets.write("index.html", html)
    assets.prune()
    return out / "index.html"


def history(store: Store, board: Leaderboard) -> list[Leaderboard]:
    """The suite's runs up to the shown one, oldest first, the shown one last."""
    ids = store.suite_runs(board.run.suite_name)
    earlier = ids[: ids.index(board.run.run_id)] if board.run.run_id in ids else []
    return [build_leaderboard(load_run(store, r, samples=False)) for r in earlier] + [board]


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("benchbench.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(fmt=fmt, json=json)
    return env
