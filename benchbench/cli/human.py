"""``bench human``: create and serve a study, read its results, move it through CSV.

The commands are added to ``bench human`` in ``cli.app``.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from benchbench.cli.common import console, err_console, fail, opened_store
from benchbench.report import format as fmt
from benchbench.store.runs import DEFAULT_DB

if TYPE_CHECKING:
    from benchbench.store.runs import Store


Db = Annotated[Path, typer.Option("--db", help="DuckDB file holding the runs and votes.")]
StudyOption = Annotated[
    str, typer.Option("--study", help="Study name, or a study YAML file (created if new).")
]


@contextmanager
def opened_study(db: Path, study: str, *, read_only: bool) -> Iterator[tuple[Store, str]]:
    """The store (which must exist) and the study's name, for one command. A YAML path
    creates the study (or checks that the stored one is unchanged), so it opens the store
    for writing; a bare name must already be stored, and a reader (``read_only``) then
    opens the store read-only. A store that cannot be used ends the command (exit 2)."""
    from benchbench.human.design import create_study
    from benchbench.human.study import StudyError, load_study
    from benchbench.store.human import HumanStore

    path = Path(study)
    creates = path.suffix in (".yaml", ".yml")
    with opened_store(db, read_only=read_only and not creates, create=False) as store:
        name = study
        if creates:
            try:
                name = create_study(load_study(path), store).study
            except StudyError as exc:
                raise fail(str(exc)) from None
        elif HumanStore(store).study(name) is None:
            raise fail(f"no study {name!r} in {db}; create it with --study path/to/study.yaml")
        yield store, name


def create(
    study: Annotated[Path, typer.Argument(help="Study YAML file.")],
    db: Db = DEFAULT_DB,
) -> None:
    """Store a study (its tasks and join token) without serving it."""
    from benchbench.store.human import HumanStore

    with opened_study(db, str(study), read_only=False) as (store, name):
        record = HumanStore(store).study(name)
        console.print(f"study [bold]{escape(name)}[/] on run {record.run_id}")
        console.print(f"join path: /join/{record.token}")


def serve(
    study: StudyOption,
    db: Db = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Interface to listen on (default: this machine).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port (0: any free one).", min=0, max=65535)] = 8765,
    threads: Annotated[int, typer.Option(help="Worker threads.", min=1, max=64)] = 4,
) -> None:
    """Serve the study to raters; prints the join link (it holds the study's token).

    The store is opened per request, so other bench commands can use it meanwhile."""
    from benchbench.human.server import create_app, is_loopback, make_server, stop
    from benchbench.store.human import HumanStore
    from benchbench.store.runs import StoreError

    with opened_study(db, study, read_only=True) as (store, name):
        record = HumanStore(store).study(name)
    try:
        web = create_app(db, name)
    except StoreError as exc:
        raise fail(str(exc)) from None
    try:
        server = make_server(web, host, port, threads)
    except OSError as exc:
        taken = exc.errno == errno.EADDRINUSE
        hint = "; choose another --port (0: any free one)" if taken else ""
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None
    except ValueError as exc:  # waitress, for a host it cannot resolve
        raise fail(f"cannot listen on {host}:{port}: {exc}") from None
    if not is_loopback(host):
        err_console.print(
            f"[yellow]warning:[/] listening on {escape(host)}: anyone who can reach it "
            "and has the join link can vote. Put it behind HTTPS for the open internet."
        )
    shown_host = f"[{host}]" if ":" in host else host
    console.print(f"serving study [bold]{escape(name)}[/] (run {record.run_id})")
    console.print(f"join link: http://{shown_host}:{server.effective_port}/join/{record.token}")
    console.print("add ?worker=ID to name a crowd worker; Ctrl-C stops")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)


def export(
    study: StudyOption,
    out: Annotated[Path, typer.Option(help="Folder for tasks.csv and items/.")],
    db: Db = DEFAULT_DB,
) -> None:
    """Write the study's tasks as CSV (images under items/) for a crowd platform."""
    from benchbench.human.interchange import export_tasks

    with opened_study(db, study, read_only=True) as (store, name):
        path = export_tasks(store, name, out)
    console.print(f"tasks → {path}")


def import_(
    study: StudyOption,
    votes: Annotated[
        Path, typer.Argument(help="CSV: worker, task_id, question, answer[, seconds].")
    ],
    db: Db = DEFAULT_DB,
) -> None:
    """Store votes collected elsewhere; a file already imported adds nothing."""
    from benchbench.human.interchange import InterchangeError, import_votes

    if not votes.is_file():
        raise fail(f"no votes file {votes}")
    with opened_study(db, study, read_only=False) as (store, name):
        try:
            summary = import_votes(store, name, votes)
        except InterchangeError as exc:
            raise fail(f"invalid votes:\n{exc}") from None
    console.print(
        f"{summary.rows} rows from {summary.raters} workers: {summary.recorded} tasks stored, "
        f"{summary.duplicates} already stored, {summary.conflicts} conflicting (first kept)"
    )


def results(study: StudyOption, db: Db = DEFAULT_DB) -> None:
    """Print a study's results: human scores with CIs, win rates, agreement, checks.

    Also the attention checks' exclusions and the rank correlation of each automatic metric
    with the human ranking."""
    from benchbench.human.results import study_results

    with opened_study(db, study, read_only=True) as (store, name):
        found = study_results(store, name)
    print_results(found)


def print_results(found) -> None:
    """The tables of ``bench human results``, one function each."""
    print_raters(found)
    print_scores(found)
    print_win_rates(found)
    print_correlations(found)


def print_raters(found) -> None:
    """Who rated, who was excluded by the attention checks, and why."""
    study = found.study
    kept = [r for r in found.raters if not r.excluded]
    console.print(
        f"study [bold]{escape(study.name)}[/] ({study.task}) on run {found.record.run_id}: "
        f"{len(found.raters)} raters, {len(kept)} kept, median "
        f"{fmt.number(found.median_seconds)} s per task"
    )
    flagged = [r for r in found.raters if r.passed < r.checks]
    clean = sum(r.checks > 0 and r.passed == r.checks for r in found.raters)
    console.print(
        f"attention checks: {clean} raters passed all theirs, {len(flagged)} failed some, "
        f"{len(found.raters) - clean - len(flagged)} had none; excluded below a pass rate "
        f"of {study.attention.min_pass_rate:.0%}"
    )
    if not flagged:
        return
    checks = Table(title="raters who failed checks")
    columns = ("rater", "worker", "tasks", "checks", "passed", "pass rate", "failed", "status")
    for column in columns:
        checks.add_column(column)
    for r in flagged:
        checks.add_row(
            r.rater_id,
            escape(r.external_id or ""),
            str(r.votes),
            str(r.checks),
            str(r.passed),
            fmt.number(r.pass_rate),
            ", ".join(
                f"{kind} ×{r.failed_kinds.count(kind)}" for kind in dict.fromkeys(r.failed_kinds)
            ),
            "[red]excluded[/]" if r.excluded else "kept",
        )
    console.print(checks)


def print_scores(found) -> None:
    """Each cell's human score per question with its interval, and the raters' agreement."""
    study, questions = found.study, found.questions
    level = f"{study.bootstrap.confidence:.0%}"
    scores = Table(title=f"{found.score_name} with {level} CI, one column per question")
    scores.add_column("cell")
    for q in questions:
        scores.add_column(escape(q.question), justify="right")
    scores.add_column("judgements", justify="right")
    first = questions[0]
    for i in sorted(range(len(found.labels)), key=lambda i: -first.score[i]):
        scores.add_row(
            escape(found.labels[i]),
            *(
                f"{fmt.number(q.score[i])} [{fmt.number(q.low[i])}, {fmt.number(q.high[i])}]"
                for q in questions
            ),
            str(int(first.votes[i])),
        )
    console.print(scores)
    for q in questions:
        console.print(f"{escape(q.question)}: {escape(q.text)}")
    kind = "nominal" if study.task == "ab" else "interval"
    console.print(
        f"Krippendorff's alpha ({kind}): "
        + ", ".join(f"{escape(q.question)} {fmt.number(q.alpha)}" for q in questions)
    )


def print_win_rates(found) -> None:
    """A/B studies: how often each cell beat each other, per question."""
    for q in found.questions:
        if q.win_rates is None:
            continue
        order = sorted(range(len(q.score)), key=lambda i: -q.score[i])
        matrix = Table(title=f"{escape(q.question)}: win rate of row over column (ties half)")
        matrix.add_column("")
        for rank in range(len(order)):  # columns by number: labels are long
            matrix.add_column(f"#{rank + 1}", justify="right")
        for rank, i in enumerate(order):
            matrix.add_row(
                f"#{rank + 1} {escape(found.labels[i])}",
                *(fmt.number(q.win_rates[i, j]) for j in order),
            )
        console.print(matrix)


def print_correlations(found) -> None:
    """Kendall's tau of each automatic metric against the human ranking, per question."""
    questions = found.questions
    metrics = sorted({c.metric for q in questions for c in q.correlations})
    if not metrics:
        return
    taus = Table(title="Kendall's tau: automatic metric vs human (p), per question")
    taus.add_column("metric")
    for q in questions:
        taus.add_column(escape(q.question), justify="right")
    taus.add_column("cells", justify="right")
    for metric in metrics:
        found_in = [
            next((c for c in q.correlations if c.metric == metric), None) for q in questions
        ]
        taus.add_row(
            escape(metric),
            *(
                "–" if c is None else f"{fmt.number(c.tau)} ({fmt.number(c.p_value)})"
                for c in found_in
            ),
            str(max(c.n for c in found_in if c is not None)),
        )
    console.print(taus)
