"""Tasks out and votes in as CSV, for crowd platforms that host their own forms.

``export_tasks`` writes ``tasks.csv`` (one row per task, sides shuffled with the study's
seed, images as files under ``items/``, text and its prompt inline) with the same share of repeated
and planted checks as a web rater gets. ``import_votes`` reads the platform's answers
(columns ``worker, task_id, question, answer`` and optionally ``seconds``): for A/B
the answer is the chosen item id (the form's radio values) or ``tie`` for no preference
(where the study allows ties), for ratings the level; ``parse_answer`` judges them, the
same rule as the web form's.
Every problem is reported with its file, line and column; nothing is stored unless the
whole file is valid, and importing the same file twice stores nothing new.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchbench.hashing import stable_hash
from benchbench.human.design import PLANTED, REAL, REPEAT
from benchbench.human.samples import Items, image_png, video_gif
from benchbench.human.study import AnswerError, Study, parse_answer
from benchbench.records import now
from benchbench.store.human import Answer, HumanStore
from benchbench.store.runs import Store

VOTE_COLUMNS = ("worker", "task_id", "question", "answer")
MAX_WORKER = 64
Votes = dict[
    tuple[str, str], dict[str, tuple[Answer, float | None]]
]  # (worker, task) → by question
Problems = Callable[[str, str], None]  # told a column and what is wrong in it


class InterchangeError(ValueError):
    """A votes file that cannot be imported; one problem per line of the message."""


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    raters: int
    recorded: int  # tasks newly stored
    duplicates: int  # tasks already stored with the same answers
    conflicts: int  # tasks already stored with other answers (the first answers are kept)


def export_tasks(store: Store, name: str, out: Path) -> Path:
    humans = HumanStore(store)
    study = _stored_study(humans, name, store)
    items = Items(humans, name)
    tasks = humans.tasks(name)
    rng = np.random.default_rng([study.seed, 1])
    real = tasks[tasks["check_kind"] == REAL]
    blocks = math.ceil(len(real) / study.tasks_per_rater)
    repeats = tasks[tasks["check_kind"] == REPEAT]
    planted = tasks[tasks["check_kind"] == PLANTED]
    chosen = [
        real,
        repeats.iloc[rng.permutation(len(repeats))[: blocks * study.attention.repeats]],
        planted.iloc[rng.permutation(len(planted))[: blocks * study.attention.planted]],
    ]
    (out / "items").mkdir(parents=True, exist_ok=True)
    path = out / "tasks.csv"
    columns = ["task_id", "check", "prompt", "a_item", "a", "b_item", "b"]
    columns += [f"question_{q.id}" for q in study.questions]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for frame in chosen:
            for task in frame.itertuples():
                sides = [task.item_a, task.item_b] if task.item_b else [task.item_a]
                if len(sides) == 2 and rng.integers(2):
                    sides.reverse()
                cells = []
                for item in [*sides, None][:2]:
                    cells += [item or "", _content(items, item, out) if item else ""]
                prompt = items.prompt(task.item_a) or ""
                writer.writerow(
                    [
                        task.task_id,
                        task.check_kind,
                        prompt,
                        *cells,
                        *(q.text for q in study.questions),
                    ]
                )
    return path


def _content(items: Items, item_id: str, out: Path) -> str:
    """The text of a text item, or the relative path of the file written for it: a PNG
    image, a 16-bit WAV clip, or an animated GIF for a video."""
    sample = items.sample(item_id)
    if isinstance(sample, str):
        return sample
    kind = items.kind(item_id)
    if kind == "audio":
        from benchbench.outputs.audio import wav_bytes  # image and text studies skip torch

        suffix, content = "wav", wav_bytes(sample, items.sample_rate(item_id))
    elif kind == "video":
        suffix, content = "gif", video_gif(sample, items.frame_rate(item_id))
    else:
        suffix, content = "png", image_png(sample)
    relative = f"items/{item_id}.{suffix}"
    (out / relative).write_bytes(content)
    return relative


def import_votes(store: Store, name: str, path: Path) -> ImportSummary:
    """Store the votes of a platform's CSV file: all of them, or none if any row is
    wrong (``InterchangeError`` then lists every problem)."""
    humans = HumanStore(store)
    study = _stored_study(humans, name, store)
    tasks = {t.task_id: t for t in humans.tasks(name).itertuples()}
    rows, votes = _read_votes(path, study, tasks)
    raters, outcomes = _store_votes(humans, name, path, votes, tasks)
    return ImportSummary(
        rows, raters, outcomes["recorded"], outcomes["duplicate"], outcomes["conflict"]
    )


def _stored_study(humans: HumanStore, name: str, store: Store) -> Study:
    record = humans.study(name)
    if record is None:
        raise LookupError(f"no study {name!r} in {store.path}")
    return Study.model_validate(record.spec)


def _read_votes(path: Path, study: Study, tasks: dict[str, Any]) -> tuple[int, Votes]:
    """The file's row count and its answers by (worker, task) and question, each with
    its seconds; every problem found on the way is raised together."""
    questions = {q.id for q in study.questions}
    problems: list[str] = []
    votes: Votes = defaultdict(dict)
    rows = 0
    for line, row in _read_rows(path):
        rows += 1

        def bad(column: str, message: str, line: int = line) -> None:
            problems.append(f"{path}:{line}: column {column}: {message}")

        if None in row or None in row.values():
            problems.append(f"{path}:{line}: the row's fields do not match the header's")
            continue
        vote = _vote(row, study, tasks, bad)
        if vote is None:
            continue
        worker, task_id, question = row["worker"], row["task_id"], row["question"]
        if question in votes[(worker, task_id)]:
            bad("question", f"{worker!r} answered {question!r} of task {task_id} twice")
        votes[(worker, task_id)][question] = vote
    for (worker, task_id), answers in votes.items():
        if set(answers) != questions:
            problems.append(
                f"{path}: worker {worker!r}, task {task_id}: answers {sorted(answers)} "
                f"but the study asks {sorted(questions)}"
            )
    if problems:
        raise InterchangeError("\n".join(problems))
    return rows, votes


def _vote(
    row: dict[str | None, Any], study: Study, tasks: dict[str, Any], bad: Problems
) -> tuple[Answer, float | None] | None:
    """One row's answer and seconds, or None (and its problems told to ``bad``)."""
    worker, task_id, question = row["worker"], row["task_id"], row["question"]
    if not 0 < len(worker) <= MAX_WORKER:
        bad("worker", f"must be 1-{MAX_WORKER} characters")
    task = tasks.get(task_id)
    if task is None:
        bad("task_id", f"no task {task_id!r} in study {study.name!r}")
        return None
    questions = [q.id for q in study.questions]
    if question not in questions:
        bad("question", f"{question!r} is not one of {sorted(questions)}")
        return None
    seconds = _seconds(row.get("seconds") or "", bad)
    items = {item: item for item in (task.item_a, task.item_b) if item}
    try:
        return parse_answer(study, question, row["answer"], items), seconds
    except AnswerError as exc:
        bad("answer", str(exc))
        return None


def _store_votes(
    humans: HumanStore, name: str, path: Path, votes: Votes, tasks: dict[str, Any]
) -> tuple[int, dict[str, int]]:
    """Record each worker's answers, task by task, as a ``csv`` rater whose id follows
    from the worker's name (the same worker in two files is one rater); the number of
    raters and how many tasks were recorded, duplicates or conflicts."""
    outcomes: dict[str, int] = defaultdict(int)
    raters = {}
    for (worker, task_id), answers in votes.items():
        if worker not in raters:
            raters[worker] = "csv-" + stable_hash([name, worker], length=12)
            humans.add_rater(name, raters[worker], worker, "csv")
        task = tasks[task_id]
        seconds = next(iter(answers.values()))[1]
        submitted = now()
        outcome = humans.record_votes(
            name,
            raters[worker],
            task_id,
            [answer for answer, _ in answers.values()],
            {"sides": [s for s in (task.item_a, task.item_b) if s], "file": path.name},
            None,
            submitted,
            "csv",
            seconds=seconds,
        )
        outcomes[outcome] += 1
    return len(raters), outcomes


def _read_rows(path: Path) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """The votes file's rows with their line numbers. A file that is not UTF-8 CSV with
    the vote columns is refused whole, naming its line; a row whose fields do not match
    the header holds None (DictReader's filler), for the caller to report."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InterchangeError(f"{path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")  # spreadsheets often start with a byte-order mark
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InterchangeError(f"{path}:{line}: not UTF-8 text; save it as UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [c for c in VOTE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InterchangeError(f"{path}:1: missing columns {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        line = reader.reader.line_num  # DictReader's own count stops at the last good row
        raise InterchangeError(f"{path}:{line}: not valid CSV: {exc}") from None


def _seconds(value: str, bad: Problems) -> float | None:
    if not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not (math.isfinite(seconds) and seconds >= 0):
        bad("seconds", f"{value!r} is not a non-negative number")
        return None
    return seconds
