"""What ``bench run`` prints for a training suite: the plan (``--dry-run``), one table of
training cells (each seed's final quality, divergence, collapse, steps, seconds) and one
of stability cells (each setting's figures over its seeds, with intervals)."""

from __future__ import annotations

from collections import defaultdict

from rich.markup import escape
from rich.table import Table

from benchbench.catalogue import stability_metric_names
from benchbench.cli.common import console
from benchbench.report import format as fmt


def _params(suite_params: dict) -> str:
    return escape(" ".join(f"{k}={v}" for k, v in suite_params.items()))


def print_training_plan(cells: list, settings: list, stored: set[str], title: str) -> None:
    """One row per planned training cell and stability cell, marked when already stored."""
    table = Table(title=escape(title), title_justify="left")
    for header in ("#", "recipe", "trainer", "params", "steps", "checkpoints", "key", "status"):
        table.add_column(header, overflow="fold")
    for cell in cells:
        recipe = cell.recipe
        table.add_row(
            str(cell.position),
            escape(recipe.name),
            escape(recipe.trainer),
            _params(cell.suite_params),
            str(recipe.steps),
            f"every {recipe.checkpoint_every}",
            cell.key,
            "[dim]stored[/]" if cell.key in stored else "to run",
        )
    for setting in settings:
        table.add_row(
            str(setting.position),
            escape(setting.recipe.name),
            "stability",
            _params(setting.suite_params),
            "",
            f"over {len(setting.cells)} seeds",
            setting.key,
            "[dim]stored[/]" if setting.key in stored else "to build",
        )
    console.print(table)


def print_training_tables(store, run_id: str, suite) -> None:
    """The run's training cells, then its stability cells."""
    cells = store.run_cells(run_id)
    measured: dict[int, dict] = defaultdict(dict)
    for m in store.run_measurements(run_id):
        measured[m.position][m.metric] = m
    trained = [c for c in cells if c.adapter.startswith("trainer:")]
    summaries = [c for c in cells if c.adapter.startswith("stability:")]
    _training_table(trained, measured, suite, run_id)
    _stability_table(summaries, measured, suite.training.quality)


def _failed(cell) -> str:
    first = (cell.error or "").splitlines()[0] if cell.error else cell.status
    return f"[red]{cell.status}[/]: {escape(first)}"


def _training_table(cells: list, measured: dict, suite, run_id: str) -> None:
    table = Table(
        title=escape(f"{suite.name} — run {run_id}: training cells"), title_justify="left"
    )
    heads = [*suite.metrics, "diverged", "collapsed", "steps", "train s"]
    for header in ("recipe", "params", *[f"final {h}" for h in suite.metrics], *heads[-4:], "from"):
        table.add_column(escape(header), overflow="fold")
    warnings = []
    for cell in cells:
        row = measured[cell.position]
        source = "[dim]store[/]" if cell.reused else "this run"
        if cell.status != "complete":
            blanks = [""] * (len(heads) - 1)
            table.add_row(
                escape(cell.model_name), _params(cell.suite_params), _failed(cell), *blanks, source
            )
            continue
        flags = [("yes" if row[name].value else "no") for name in ("diverged", "collapsed")]
        table.add_row(
            escape(cell.model_name),
            _params(cell.suite_params),
            *[fmt.with_interval(row.get(name)) for name in suite.metrics],
            *flags,
            fmt.number(row["steps_done"].value),
            fmt.quantity(row["train_s"].value, "s"),
            source,
        )
        warnings += [w for m in row.values() for w in m.warnings]
    console.print(table)
    for warning in dict.fromkeys(warnings):
        console.print(f"[yellow]warning[/]: {escape(warning)}")


def _stability_table(cells: list, measured: dict, quality: str) -> None:
    names = stability_metric_names(quality)
    heads = ("median", "std", "IQR", "diverged", "collapsed", "best-last gap")
    heads += ("reached target", "time to target")
    table = Table(
        title=escape(f"stability over seeds ({quality}; rates k/n)"), title_justify="left"
    )
    for header in ("recipe", "params", "seeds", *[f"{h} [95% CI]" for h in heads]):
        table.add_column(escape(header), overflow="fold")
    warnings = []
    for cell in cells:
        row = measured[cell.position]
        if cell.status != "complete":
            blanks = [""] * len(heads)
            table.add_row(
                escape(cell.model_name), _params(cell.suite_params), _failed(cell), *blanks
            )
            continue
        seeds = next(iter(row.values())).n
        table.add_row(
            escape(cell.model_name),
            _params(cell.suite_params),
            str(seeds),
            *[
                fmt.with_interval(row.get(name), "s" if name.endswith("_s") else "")
                for name in names
            ],
        )
        warnings += [w for m in row.values() for w in m.warnings]
    console.print(table)
    for warning in dict.fromkeys(warnings):
        console.print(f"[yellow]warning[/]: {escape(warning)}")
