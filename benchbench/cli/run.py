"""``bench run``: every cell of a suite measured and stored, with progress bars and the
results table at the end (``--dry-run``: the plan only).

Exit codes: 0 success, 1 some cells failed, 2 bad input (suite, names, files), 130
interrupted (completed cells are kept; run again to resume).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchbench.cli.common import DbOption, console, err_console, fail, opened_store
from benchbench.cli.run_training import print_training_plan, print_training_tables
from benchbench.report import format as fmt
from benchbench.store.runs import DEFAULT_DB


def run(
    suite: Annotated[Path, typer.Argument(help="Suite YAML file, e.g. suites/image.yaml.")],
    db: DbOption = DEFAULT_DB,
    device: Annotated[
        str | None, typer.Option(help="Override the suite's device: auto, cpu, cuda, cuda:N.")
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Recompute every cell, even those already stored.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    executor: Annotated[
        str, typer.Option(help="Where cells run: local (this process) or ray (a Ray cluster).")
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(help="ray: 'auto' or HOST:PORT of a running cluster (default: start one)."),
    ] = None,
    max_parallel: Annotated[
        int | None, typer.Option(help="ray: at most this many cells at once.")
    ] = None,
    max_retries: Annotated[
        int | None, typer.Option(help="ray: reruns of a cell whose worker died (default 3).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Validate the suite and its weights and list the planned cells, with how "
            "many are already stored in --db; sample nothing and write nothing.",
        ),
    ] = False,
) -> None:
    """Run every model × parameter cell of SUITE and store speed, memory and quality.

    Each cell's sampling is timed, its peak memory read and its quality metrics computed.
    Cells already complete in the store are skipped, so an interrupted run resumes where
    it stopped."""
    from benchbench.registry import RegistryError
    from benchbench.run.driver import run_suite
    from benchbench.run.executors import make_executor
    from benchbench.store.runs import Store, StoreError
    from benchbench.suite.load import load_suite
    from benchbench.suite.problems import SuiteError

    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        raise fail(str(exc)) from None
    if dry_run:
        print_plan(loaded, db, device)
        return
    given = {"address": address, "max_parallel": max_parallel, "max_retries": max_retries}
    try:
        runner = make_executor(executor, {k: v for k, v in given.items() if v is not None})
    except RegistryError as exc:
        raise fail(str(exc)) from None
    try:
        store = Store(db)
    except StoreError as exc:
        raise fail(str(exc)) from None
    observer = ProgressObserver(quiet)
    try:
        with store, observer, runner:
            result = run_suite(
                loaded, store, device=device, fresh=fresh, observer=observer, executor=runner
            )
            if loaded.suite.training is not None:
                print_training_tables(store, result.run_id, loaded.suite)
            else:
                print_run_table(store, result.run_id, loaded.suite.name)
    except KeyboardInterrupt:
        err_console.print(
            "[yellow]interrupted[/]: completed cells are stored; run the same command to resume."
        )
        raise typer.Exit(130) from None
    except RuntimeError as exc:
        raise fail(str(exc)) from None
    console.print(
        f"run [bold]{result.run_id}[/]: {result.executed} cells run, {result.skipped} skipped "
        f"(already stored), {result.failed} failed → {db}"
    )
    if result.failed:
        raise typer.Exit(1)


class ProgressObserver:
    """Rich progress bars: one for the suite's cells, one for the current cell's batches."""

    def __init__(self, quiet: bool):
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=quiet,
            transient=True,
        )
        self.cells_task = None
        self.batch_task = None
        self.run_id: str | None = None  # once the run has started (a stopped gate still needs it)

    def __enter__(self) -> ProgressObserver:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def run_started(self, run_id, cells) -> None:
        self.run_id = run_id
        self.cells_task = self.progress.add_task(f"run {run_id}", total=len(cells))

    def cell_skipped(self, cell) -> None:
        self.progress.advance(self.cells_task)

    def cell_started(self, cell, batches: int) -> None:
        if self.batch_task is not None:
            self.progress.remove_task(self.batch_task)
        self.batch_task = self.progress.add_task(f"  sampling {escape(cell.label)}", total=batches)

    def batch_done(self, cell) -> None:
        self.progress.advance(self.batch_task)

    def metrics_started(self, cell) -> None:
        self.progress.update(self.batch_task, description=f"  metrics  {escape(cell.label)}")

    def training_started(self, cell, steps: int, done: int) -> None:
        """A bar of the cell's steps (starting at ``done`` when it resumes)."""
        if self.batch_task is not None:
            self.progress.remove_task(self.batch_task)
        label = f"  training {escape(cell.label)}"
        self.batch_task = self.progress.add_task(label, total=steps, completed=done)

    def step_done(self, cell) -> None:
        self.progress.advance(self.batch_task)

    def checkpoint_done(self, cell, step: int) -> None:
        self.progress.update(
            self.batch_task, description=f"  training {escape(cell.label)} (scored step {step})"
        )

    def cell_warning(self, cell, message: str) -> None:
        self.progress.console.print(f"[yellow]warning[/]: {escape(cell.label)}: {escape(message)}")

    def cell_finished(self, cell, record) -> None:
        self.progress.advance(self.cells_task)
        if record.status == "failed":
            first_line = (record.error or "").splitlines()[0] if record.error else ""
            self.progress.console.print(
                f"[red]cell failed[/]: {escape(cell.label)}: {escape(first_line)}"
            )


def print_plan(loaded, db: Path, device: str | None) -> None:
    """``bench run --dry-run``: one row per planned cell, marked when the store at ``db``
    already holds it complete (that cell would be reused, not run)."""
    from benchbench.measure.device import resolve_device
    from benchbench.run.driver import plan

    try:
        torch_device = resolve_device(device or loaded.suite.device)
        cells, settings = plan(loaded, torch_device)
    except (RuntimeError, ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    stored = stored_cell_keys(db, [cell.key for cell in [*cells, *settings]])
    if settings:
        title = f"{loaded.suite.name} — planned training cells on {torch_device} (dry run)"
        print_training_plan(cells, settings, stored, title)
        cells = [*cells, *settings]
    else:
        print_sampling_plan(loaded, cells, stored, torch_device)
    count = sum(cell.key in stored for cell in cells)
    where = str(db) if db.exists() else f"{db} (no store there yet)"
    console.print(
        f"{len(cells)} cells planned: {count} already stored in {escape(where)}, "
        f"{len(cells) - count} to run. Nothing was sampled."
    )


def print_sampling_plan(loaded, cells, stored: set[str], torch_device) -> None:
    """The dry run's table of sampling cells."""
    table = Table(
        title=escape(f"{loaded.suite.name} — planned cells on {torch_device} (dry run)"),
        title_justify="left",
    )
    for header in ("#", "model", "adapter", "params", "weights", "samples/batch", "key", "status"):
        table.add_column(header, overflow="fold")
    for cell in cells:
        table.add_row(
            str(cell.position),
            escape(cell.model.name),
            escape(cell.model.adapter),
            escape(" ".join(f"{k}={v}" for k, v in cell.suite_params.items())),
            escape(cell.model.weights or cell.model.init),
            f"{cell.sampling.num_samples}/{cell.sampling.batch_size}",
            cell.key,
            "[dim]stored[/]" if cell.key in stored else "to run",
        )
    console.print(table)


def stored_cell_keys(db: Path, keys: list[str]) -> set[str]:
    """Which of ``keys`` the store at ``db`` holds as complete cells, read without writing
    (no file is created where none exists)."""
    if not db.exists():
        return set()
    with opened_store(db, read_only=True) as store:
        return {key for key in keys if store.find_complete_cell(key) is not None}


# Throughputs of one output kind, shown beside samples/s when a cell of the run has them.
# Speeds that only some output kinds have: (column head, what it means, said below the table).
KIND_SPEEDS = {
    "real_time_factor": ("RTF", "real-time factor, seconds of audio made per wall second"),
    "frames_per_s": ("frames/s", ""),
}


def variant_speedups(store, run_id: str) -> dict:
    """Speed-ups of the run's variant cells over their eager twins (by position)."""
    from benchbench.report.speedup import run_speedups

    return run_speedups(store, run_id)


def _variant_cells(row, speedups: dict) -> list[str]:
    """A variant cell's speed-up over eager (×) and its compile seconds with inductor's
    cache state (cold: compiled from scratch; warm: loaded from the cache)."""
    ratio = speedups.get(row.position)
    compiled = row.speed.get("compile_s")
    return [
        f"{fmt.with_interval(ratio)}×" if ratio else "–",
        f"{fmt.number(compiled.value)} {compiled.label or ''}".strip() if compiled else "–",
    ]


def print_run_table(store, run_id: str, suite_name: str) -> None:
    from benchbench.report.summary import summarize_run

    rows = summarize_run(store, run_id)
    labels = list(dict.fromkeys(label for row in rows for label in row.quality))
    extractor = shared_extractor(labels)
    roofline = ["TFLOP/s", "bound"] if any(row.roofline for row in rows) else []
    extra = [key for key in KIND_SPEEDS if any(key in row.speed for row in rows)]
    speedups = variant_speedups(store, run_id)
    variants = ["speed-up [95% CI]", "compile s (cache)"] if speedups else []
    table = Table(title=escape(f"{suite_name} — run {run_id}"), title_justify="left")
    speeds = tuple(f"{KIND_SPEEDS[key][0]} [95% CI]" for key in extra)
    headers = ("model", "family", "params", "samples/s [95% CI]", *variants, *speeds, "CV")
    headers = (*headers, "peak mem")
    short = [label.removesuffix(f"[{extractor}]") for label in labels]
    for header in (*headers, *roofline, *short, "from"):
        table.add_column(escape(header), overflow="fold")
    warnings: list[str] = []
    for row in rows:
        params = escape(" ".join(f"{k}={v}" for k, v in row.suite_params.items()))
        model, family = escape(row.model), escape(row.family)
        if row.status != "complete":
            error = (row.error or "").splitlines()[0] if row.error else row.status
            table.add_row(
                model,
                family,
                params,
                f"[red]{row.status}[/]: {escape(error)}",
                *[""] * (2 + len(variants) + len(speeds) + len(roofline) + len(labels)),
                "this run",
            )
            continue
        speed = row.speed.get("samples_per_s")
        cv = row.speed.get("timing_cv")
        peak = row.peak_memory
        table.add_row(
            model,
            family,
            params,
            fmt.with_interval(speed) if speed else "–",
            *(_variant_cells(row, speedups) if variants else []),
            *(_speed(row, key) for key in extra),
            f"{cv.value:.1%}" if cv else "–",
            fmt.quantity(peak[1], "bytes") if peak else "–",
            *(_roofline_cells(row) if roofline else []),
            *[
                fmt.with_interval(row.quality[label]) if label in row.quality else "–"
                for label in labels
            ],
            "[dim]store[/]" if row.reused else "this run",
        )
        warnings += [
            f"{model} {params}: {escape(w)}" for v in row.quality.values() for w in v.warnings
        ]
    console.print(table)
    if rows and (peak := rows[0].peak_memory) and peak[0].startswith("cpu"):
        console.print("[dim]peak mem: process peak RSS during the cell (CPU).[/]")
    for key in extra:
        head, meaning = KIND_SPEEDS[key]
        if meaning:
            console.print(f"[dim]{head}: {meaning}.[/]")
    if extractor:
        first = next(label for label in labels if label.endswith(f"[{extractor}]"))
        console.print(
            f"[dim]Quality columns are in {escape(extractor)} features: "
            f"{escape(first.removesuffix(f'[{extractor}]'))} means {escape(first)}, and so on.[/]"
        )
    for warning in dict.fromkeys(warnings):
        console.print(f"[yellow]warning[/]: {warning}")


def shared_extractor(labels: list[str]) -> str | None:
    """The one extractor that the metric labels name (``FD[x]``, ``KD[x]``, ...), if they
    name exactly one: the table then heads its columns ``FD``, ``KD`` and says it once, so
    an audio run's 16 columns fit a terminal."""
    named = {label[label.index("[") + 1 : -1] for label in labels if label.endswith("]")}
    named = {name for name in named if name}
    return named.pop() if len(named) == 1 else None


def _speed(row, key: str) -> str:
    """The cell's ``key`` throughput with its interval ("–" for a cell of another kind)."""
    value = row.speed.get(key)
    return fmt.with_interval(value) if value else "–"


def _roofline_cells(row) -> list[str]:
    """Achieved TFLOP/s, and the bound with the share of its roof (known GPUs only)."""
    tflops, bound = row.roofline.get("achieved_tflops"), row.roofline.get("roofline_bound")
    return [
        fmt.number(tflops.value) if tflops else "–",
        f"{bound.label} ({bound.value:.1%})" if bound else "–",
    ]
