"""The leaderboard as Markdown, short enough for a pull-request comment.

User text (model names, params) goes through ``markdown_escape.escape``, shared with
the gate's Markdown.
"""

from __future__ import annotations

from benchbench.markdown_escape import escape
from benchbench.report import format as fmt
from benchbench.report.leaderboard import Entry, Leaderboard
from benchbench.report.ranking import Mark
from benchbench.report.training import TrainingSpec, is_training_run
from benchbench.report.training_page import stability_table

MAX_WARNINGS = 5
SYMBOLS = {Mark.BEST: " ★", Mark.TIED: " ≈", Mark.NONE: ""}


def render_markdown(boards: list[Leaderboard]) -> str:
    return "\n".join(_board(board) for board in boards)


def _board(board: Leaderboard) -> str:
    run = board.run
    env = run.environments.get(run.env_id, {})
    lines = [
        f"### benchbench — suite {escape(run.suite_name)}, run `{run.run_id}`",
        "",
        f"{fmt.timestamp(run.started_at)} · {escape(str(env.get('device_name') or '?'))} "
        f"({escape(str(env.get('device') or '?'))}) · torch "
        f"{escape(str(env.get('packages', {}).get('torch') or '?'))} · git "
        f"`{str(env.get('git_sha') or '?')[:12]}` · suite hash `{run.suite_hash}`",
        "",
    ]
    headers = ["rank", "model", "family", "params", *(_header(c) for c in board.columns)]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "---|" * 4 + "---:|" * len(board.columns))
    for row in board.rows:
        s = row.cell.summary
        params = escape(" ".join(f"{k}={v}" for k, v in s.suite_params.items()))
        cells = [str(row.rank) if row.rank else "–", escape(s.model), escape(s.family), params]
        if s.status != "complete":
            error = (s.error or "").splitlines()[0] if s.error else ""
            cells += [f"**{escape(s.status)}**: {escape(error)}"] + [""] * (len(board.columns) - 1)
        else:
            cells += [_entry(e) for e in row.entries]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "★ best · ≈ tied with the best (confidence intervals overlap) · rank = 1 + the number "
        "of cells whose interval is entirely better, on "
        + (escape(board.primary.title) if board.primary else "–"),
        *(f"{escape(note)}." for note in board.notes),
        "",
    ]
    warnings = dict.fromkeys(w for row in board.rows for e in row.entries for w in e.warnings)
    lines += [f"⚠ {escape(w)}" for w in list(warnings)[:MAX_WARNINGS]]
    if warnings:
        lines.append("")
    if is_training_run(run):
        lines += _stability(board)
    return "\n".join(lines)


def _stability(board: Leaderboard) -> list[str]:
    """A training run's stability table, each column defined below it."""
    table = stability_table(board.run, TrainingSpec.of(board.run.suite))
    lines = [
        "#### Training stability (per setting, over its seeds)",
        "",
        "| setting | family | seeds | " + " | ".join(escape(c.title) for c in table.columns) + " |",
        "|---|---|---:|" + "---:|" * len(table.columns),
    ]
    for row in table.rows:
        s = row.cell.summary
        seeds = "–" if row.seeds is None else str(row.seeds)
        cells = [escape(row.cell.label), escape(s.family), seeds, *map(_entry, row.entries)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- `{c.title}`: {escape(table.definitions[c.key])}" for c in table.columns]
    return [*lines, ""]


def _header(column) -> str:
    arrow = {True: " ↑", False: " ↓", None: ""}[column.higher_is_better]
    return escape(column.title) + arrow


def _entry(entry: Entry) -> str:
    text = f"{entry.text} {entry.interval}".strip()
    if entry.mark is Mark.BEST:
        text = f"**{text}**"
    return escape_ci(text) + SYMBOLS[entry.mark] + (" ⚠" if entry.warnings else "")


def escape_ci(text: str) -> str:
    """Our own numbers: only the brackets of an interval need escaping."""
    return text.replace("[", "\\[").replace("]", "\\]")
