"""``bench gate`` (a run against its baseline, exit code for CI) and ``bench baseline
accept`` (a complete run becomes the baseline)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from benchbench.cli.common import DbOption, console, err_console, fail, opened_store
from benchbench.cli.run import ProgressObserver
from benchbench.store.runs import DEFAULT_DB, Store

if TYPE_CHECKING:
    from benchbench.gate.baseline import Snapshot
    from benchbench.gate.compare import GateResult, Status
    from benchbench.suite.load import LoadedSuite


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
