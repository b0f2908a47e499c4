"""The ``bench`` command line: run suites, list what is registered, manage the zoo.

Exit codes: 0 success, 1 some cells failed, 2 bad input (suite, names, files),
130 interrupted (completed cells are kept; run again to resume).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchbench.cli.human import human_app
from benchbench.cli.score import score_app, weights_app
from benchbench.store.runs import DEFAULT_DB, Store, StoreError

if TYPE_CHECKING:
    from benchbench.gate.baseline import Snapshot
    from benchbench.gate.compare import GateResult, Status
    from benchbench.suite.load import LoadedSuite

app = typer.Typer(
    help="benchbench: benchmark generative models — speed, memory and quality, stored in DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
zoo_app = typer.Typer(
    help="The embedded zoo: small models trained by benchbench's own recipes.", no_args_is_help=True
)
app.add_typer(zoo_app, name="zoo")
app.add_typer(score_app, name="score")
app.add_typer(weights_app, name="weights")
app.add_typer(human_app, name="human")

# Wide enough for the results table when output goes to a file or CI log (no terminal width).
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


@app.callback()
def main() -> None:
    """benchbench: benchmark generative models — speed, memory and quality, stored in DuckDB.

    ``package.module:function`` targets in suites are imported with the current directory
    on the import path, as ``python -m`` does.
    """
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())


DbOption = Annotated[Path, typer.Option("--db", help="DuckDB file holding all results.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def opened_store(db: Path, *, read_only: bool = False, create: bool = True) -> Iterator[Store]:
    """The store for one command (``Store``'s arguments). A store that cannot be opened or
    read — missing for a reader, locked, corrupt, not a store, a failed write — ends the
    command with an ``error:`` line naming the file (exit 2), never a traceback."""
    try:
        with Store(db, read_only=read_only, create=create) as store:
            yield store
    except StoreError as exc:
        raise fail(str(exc)) from None


@app.command()
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
    """Run every model × parameter cell of SUITE: time sampling, measure peak memory,
    compute the quality metrics, and store it all. Cells already complete in the store
    are skipped, so an interrupted run resumes where it stopped."""
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
    from benchbench.run.plan import plan_cells

    try:
        torch_device = resolve_device(device or loaded.suite.device)
        cells = plan_cells(loaded, torch_device)
    except (RuntimeError, ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    stored = stored_cell_keys(db, [cell.key for cell in cells])
    table = Table(
        title=escape(f"{loaded.suite.name} — planned cells on {torch_device} (dry run)"),
        title_justify="left",
    )
    for header in ("#", "model", "adapter", "params", "weights", "samples/batch", "key", ""):
        table.add_column(header, overflow="fold")
    for cell in cells:
        table.add_row(
            str(cell.position),
            escape(cell.model.name),
            escape(cell.model.adapter),
            escape(" ".join(f"{k}={v}" for k, v in cell.given.items())),
            escape(cell.model.weights or cell.model.init),
            f"{cell.sampling.num_samples}/{cell.sampling.batch_size}",
            cell.key,
            "[dim]stored[/]" if cell.key in stored else "",
        )
    console.print(table)
    count = sum(cell.key in stored for cell in cells)
    where = str(db) if db.exists() else f"{db} (no store there yet)"
    console.print(
        f"{len(cells)} cells planned: {count} already stored in {escape(where)}, "
        f"{len(cells) - count} to run. Nothing was sampled."
    )


def stored_cell_keys(db: Path, keys: list[str]) -> set[str]:
    """Which of ``keys`` the store at ``db`` holds as complete cells, read without writing
    (no file is created where none exists)."""
    if not db.exists():
        return set()
    with opened_store(db, read_only=True) as store:
        return {key for key in keys if store.find_complete_cell(key) is not None}


def _fmt(value: float, digits: int = 3) -> str:
    """Three significant digits; thousands and millions as k and M."""
    if value != value:  # NaN
        return "–"
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= 10 * scale:
            return f"{value / scale:.{digits}g}{suffix}"
    return f"{value:.{digits}g}"


def _with_ci(v) -> str:
    if v.ci_low is None:
        return _fmt(v.value)
    return f"{_fmt(v.value)} [{_fmt(v.ci_low)}–{_fmt(v.ci_high)}]"


def print_run_table(store, run_id: str, suite_name: str) -> None:
    from benchbench.report.summary import summarize_run

    rows = summarize_run(store, run_id)
    labels = list(dict.fromkeys(label for row in rows for label in row.quality))
    roofline = ["TFLOP/s", "bound"] if any(row.roofline for row in rows) else []
    table = Table(title=escape(f"{suite_name} — run {run_id}"), title_justify="left")
    headers = ("model", "family", "params", "samples/s [95% CI]", "CV", "peak mem")
    for header in (*headers, *roofline, *labels):
        table.add_column(escape(header), overflow="fold")
    table.add_column("")
    warnings: list[str] = []
    for row in rows:
        params = escape(" ".join(f"{k}={v}" for k, v in row.params.items()))
        model, family = escape(row.model), escape(row.family)
        if row.status != "complete":
            error = (row.error or "").splitlines()[0] if row.error else row.status
            table.add_row(
                model,
                family,
                params,
                f"[red]{row.status}[/]: {escape(error)}",
                *[""] * (3 + len(roofline) + len(labels)),
            )
            continue
        speed = row.speed.get("samples_per_s")
        cv = row.speed.get("timing_cv")
        peak = row.peak_memory
        table.add_row(
            model,
            family,
            params,
            _with_ci(speed) if speed else "–",
            f"{cv.value:.1%}" if cv else "–",
            f"{peak[1] / 2**20:,.0f} MiB" if peak else "–",
            *(_roofline_cells(row) if roofline else []),
            *[_with_ci(row.quality[label]) if label in row.quality else "–" for label in labels],
            "[dim]stored[/]" if row.reused else "",
        )
        warnings += [
            f"{model} {params}: {escape(w)}" for v in row.quality.values() for w in v.warnings
        ]
    console.print(table)
    if rows and (peak := rows[0].peak_memory) and peak[0].startswith("cpu"):
        console.print("[dim]peak mem: process peak RSS during the cell (CPU).[/]")
    for warning in dict.fromkeys(warnings):
        console.print(f"[yellow]warning[/]: {warning}")


def _roofline_cells(row) -> list[str]:
    """Achieved TFLOP/s, and the bound with the share of its roof (known GPUs only)."""
    tflops, bound = row.roofline.get("achieved_tflops"), row.roofline.get("roofline_bound")
    return [
        _fmt(tflops.value) if tflops else "–",
        f"{bound.label} ({bound.value:.1%})" if bound else "–",
    ]


@app.command("list")
def list_plugins(
    kind: Annotated[
        str | None,
        typer.Argument(help="adapters, metrics, extractors, datasets or executors (default: all)."),
    ] = None,
) -> None:
    """List the registered adapters (with their parameters), metrics, feature extractors,
    datasets and executors, including those added by installed packages' entry points."""
    from benchbench.adapters import ADAPTERS
    from benchbench.catalogue import METRICS
    from benchbench.data import DATASETS
    from benchbench.extractors import EXTRACTORS
    from benchbench.run.executors import EXECUTORS

    registries = {
        "adapters": ADAPTERS,
        "metrics": METRICS,
        "extractors": EXTRACTORS,
        "datasets": DATASETS,
        "executors": EXECUTORS,
    }
    if kind is not None and kind not in registries:
        raise fail(f"unknown kind {kind!r}; choose one of {', '.join(registries)}")
    for name, registry in registries.items():
        if kind not in (None, name):
            continue
        table = Table(title=name, title_justify="left")
        table.add_column("name")
        table.add_column("details")
        table.add_column("from")
        for entry in registry.names():
            table.add_row(entry, _describe(name, registry.get(entry)), registry.origin(entry))
        console.print(table)


def _describe(kind: str, obj) -> str:
    if kind == "adapters":
        fields = obj.Params.model_fields
        params = ", ".join(
            f"{n}={f.default!r}" + (f" ({f.description})" if f.description else "")
            for n, f in fields.items()
        )
        return f"family {obj.family}; params: {params or 'none'}"
    if kind == "metrics":
        return f"v{obj.version}, {'higher' if obj.higher_is_better else 'lower'} is better"
    if kind == "extractors":
        return f"v{obj.version}, input {obj.input_size}px, {obj.channels} channel(s), {obj.resize}"
    if kind == "executors":
        options = ", ".join(f"{n} ({f.description})" for n, f in obj.Options.model_fields.items())
        return f"options: {options or 'none'}"
    return f"splits: {', '.join(obj.splits)}"


@zoo_app.command("list")
def zoo_list() -> None:
    """List the embedded models with their model-card figures."""
    from benchbench.zoo import ZOO, card

    table = Table(title="embedded zoo", title_justify="left")
    for header in ("name", "family", "params", "train time", "final loss", "sha256", "description"):
        table.add_column(header, overflow="fold")
    for name, entry in ZOO.items():
        try:
            info = card(name)
        except FileNotFoundError:
            info = {}
        table.add_row(
            name,
            entry.family,
            f"{info['params']:,}" if "params" in info else "–",
            f"{info['train_seconds']:.0f} s" if "train_seconds" in info else "–",
            _fmt(info["final_loss"], 4) if "final_loss" in info else "not trained",
            str(info.get("weights_sha256", "–"))[:12],
            entry.description,
        )
    console.print(table)


@zoo_app.command("card")
def zoo_card(name: Annotated[str, typer.Argument(help="Zoo model name.")]) -> None:
    """Print a zoo model's card (recipe, seed, epochs, loss, time, sha256) as JSON."""
    from benchbench.registry import UnknownNameError
    from benchbench.zoo import card

    try:
        console.print_json(json.dumps(card(name)))
    except (UnknownNameError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None


@zoo_app.command("train")
def zoo_train(
    name: Annotated[str, typer.Argument(help="Zoo model name (see `bench zoo list`).")],
    out: Annotated[
        Path | None, typer.Option(help="Write weights and card here instead of the package's zoo.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the recipe's seed.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Override the recipe's epochs.")] = None,
) -> None:
    """Train a zoo model with its recipe (seeded; minutes on 2 CPU cores) and write its card."""
    from benchbench.registry import UnknownNameError
    from benchbench.train import train

    try:
        info = train(name, out_dir=out, seed=seed, epochs=epochs)
    except UnknownNameError as exc:
        raise fail(str(exc)) from None
    console.print_json(json.dumps(info))


baseline_app = typer.Typer(
    help="Baselines: the accepted values the gate compares runs with.", no_args_is_help=True
)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("accept")
def baseline_accept(
    run_id: Annotated[
        str | None, typer.Option("--run", help="Run to accept (default: the latest).")
    ] = None,
    suite: Annotated[
        str | None, typer.Option(help="With no --run: the latest run of this suite.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Baseline file (default: baselines/<suite>.json).")
    ] = None,
    db: DbOption = DEFAULT_DB,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Accept a run that did not complete every planned cell; the file says it is "
            "partial, and the gate fails on the cells it lacks.",
        ),
    ] = False,
) -> None:
    """Write a stored run's values, CIs, N, signatures and environment as the baseline.
    Only a run that completed every planned cell is accepted, unless --allow-partial."""
    from benchbench.gate.baseline import BaselineError, snapshot_run, write_baseline

    with opened_store(db, read_only=True) as store:
        run_id = run_id or store.latest_run_id(suite)
        if run_id is None:
            raise fail(f"no runs{f' of suite {suite!r}' if suite else ''} in {db}")
        try:
            snapshot = snapshot_run(store, run_id)
        except BaselineError as exc:
            raise fail(str(exc)) from None
    if snapshot.partial and not allow_partial:
        raise fail(
            f"run {run_id} is partial ({snapshot.partial}): only a run that completed every "
            f"planned cell becomes a baseline. Run the suite again to complete it (bench run "
            f"resumes, and its new run is then the latest), or pass --allow-partial"
        )
    path = write_baseline(snapshot, out or Path("baselines") / f"{snapshot.suite}.json")
    console.print(f"baseline for suite {snapshot.suite!r} from run {run_id} → {path}")
    if snapshot.partial:
        console.print(
            f"[yellow]warning[/]: partial baseline ({escape(snapshot.partial)}): "
            "the gate fails on the cells it lacks"
        )


@app.command()
def gate(
    suite: Annotated[Path, typer.Argument(help="Suite YAML whose gate tolerances apply.")],
    baseline: Annotated[Path, typer.Option(help="Baseline JSON, e.g. baselines/quick.json.")],
    run_id: Annotated[
        str | None, typer.Option("--run", help="Gate this stored run instead of running the suite.")
    ] = None,
    junit: Annotated[Path | None, typer.Option(help="Also write JUnit XML here.")] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the Markdown table here.")
    ] = None,
    db: DbOption = DEFAULT_DB,
    device: Annotated[str | None, typer.Option(help="Override the suite's device.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Run SUITE (or take a stored run) and compare every cell × metric with the baseline.

    Exit 0: no regression. Exit 1: a metric regressed beyond its tolerance (and
    significantly, where the data allows a test); a cell or metric failed, or is missing
    on either side; a value is not finite; or the run did not complete every planned cell.
    Exit 2: bad input — suite, baseline, device, or numbers whose signatures differ.
    Exit 130: interrupted. The Markdown and JUnit files are written in every case."""
    from benchbench.gate.output import write_reports

    result, stop = _gate(suite, baseline, run_id, db, device, quiet)
    if stop is not None:
        status, reason = _stop_reason(stop)
        result = result.stopped(status, reason)
    try:
        print(write_reports(result, markdown, junit))
    except OSError as exc:
        raise fail(f"cannot write the gate's report: {exc}") from None
    if isinstance(stop, KeyboardInterrupt):
        err_console.print("[yellow]interrupted[/]: completed cells are stored; the gate failed.")
        raise typer.Exit(130)
    if stop is not None:
        raise fail(reason, result.exit_code)
    raise typer.Exit(result.exit_code)


def _gate(
    suite_path: Path,
    baseline_path: Path,
    run_id: str | None,
    db: Path,
    device: str | None,
    quiet: bool,
) -> tuple[GateResult, BaseException | None]:
    """The gate's result, and what stopped it (None when nothing did): whatever could be
    compared before it stopped is compared."""
    from benchbench.gate.baseline import BaselineError, read_baseline
    from benchbench.gate.compare import GateResult, compare_runs
    from benchbench.suite.load import load_suite

    accepted = current = None
    try:
        loaded = load_suite(suite_path)
        accepted = read_baseline(baseline_path)
        if accepted.suite != loaded.suite.name:
            raise BaselineError(
                f"{baseline_path} is a baseline of suite {accepted.suite!r}, "
                f"not {loaded.suite.name!r}"
            )
        current, stop = _gate_run(loaded, run_id, db, device, quiet)
    except BaseException as exc:  # even a model's sys.exit(): the reports say what happened
        stop = exc
    if accepted is None or current is None:
        return GateResult(accepted.suite if accepted else str(suite_path), [], accepted), stop
    return compare_runs(accepted, current, loaded.suite.gate), stop


def _gate_run(
    loaded: LoadedSuite, run_id: str | None, db: Path, device: str | None, quiet: bool
) -> tuple[Snapshot, BaseException | None]:
    """The stored run ``run_id``, or SUITE run now, as a snapshot, and what stopped that run
    midway (None when nothing did): a stopped run is gated on the cells it stored."""
    from benchbench.gate.baseline import snapshot_run
    from benchbench.run.driver import run_suite

    stop = None
    with Store(db, read_only=run_id is not None) as store:
        if run_id is None:
            observer = ProgressObserver(quiet)
            try:
                with observer:
                    run_id = run_suite(loaded, store, device=device, observer=observer).run_id
            except BaseException as exc:
                if observer.run_id is None:  # it never started: nothing to gate
                    raise
                stop, run_id = exc, observer.run_id
        return snapshot_run(store, run_id), stop


def _stop_reason(exc: BaseException) -> tuple[Status, str]:
    """The status and note of the row that says why the gate stopped."""
    from benchbench.gate.baseline import BaselineError
    from benchbench.gate.compare import Status
    from benchbench.run.cell import describe_error
    from benchbench.suite.problems import SuiteError

    if isinstance(exc, KeyboardInterrupt):
        return Status.FAILED, "interrupted (Ctrl-C) before every cell was run"
    if isinstance(exc, SuiteError | BaselineError | RuntimeError):  # bad input; no device
        return Status.ERROR, str(exc)
    return Status.FAILED, f"the gate stopped: {describe_error(exc)}"


from benchbench.cli.report import register as register_report  # noqa: E402 (needs `app`)

register_report(app)
