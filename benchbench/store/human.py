"""The human-study tables, kept in the same DuckDB file as the runs they judge.

The SQL of human evaluation lives here, next to ``runs.py``, so that ``benchbench.human``
speaks none. The tables are created when missing, so a store written before human
studies existed opens unchanged. Everything a rater sends reaches SQL only as a bound
parameter. A vote is written in one transaction, and the primary key (study, rater,
task, question) makes a second vote on the same task impossible. A ``HumanStore`` uses
its store's one connection, which is not thread-safe: callers on several threads (the
web server) serialise their calls. On a read-only store nothing is created: a store
without the human tables simply holds no study.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd

from benchbench.records import now
from benchbench.store.runs import Store, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS human_studies (
    study VARCHAR PRIMARY KEY, run_id VARCHAR, task VARCHAR, sample_kind VARCHAR, spec JSON,
    spec_hash VARCHAR, token VARCHAR, secret VARCHAR, created_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS human_items (
    study VARCHAR, item_id VARCHAR, cell_id VARCHAR, sample_index INTEGER, planted BOOLEAN,
    PRIMARY KEY (study, item_id));
CREATE TABLE IF NOT EXISTS human_tasks (
    study VARCHAR, task_id VARCHAR, check_kind VARCHAR, item_a VARCHAR, item_b VARCHAR,
    repeat_of VARCHAR, PRIMARY KEY (study, task_id));
CREATE TABLE IF NOT EXISTS human_raters (
    study VARCHAR, rater_id VARCHAR, external_id VARCHAR, source VARCHAR,
    joined_at TIMESTAMPTZ, PRIMARY KEY (study, rater_id));
CREATE TABLE IF NOT EXISTS human_assignments (
    study VARCHAR, rater_id VARCHAR, position INTEGER, task_id VARCHAR, swapped BOOLEAN,
    served_at TIMESTAMPTZ, PRIMARY KEY (study, rater_id, position));
CREATE TABLE IF NOT EXISTS human_votes (
    study VARCHAR, rater_id VARCHAR, task_id VARCHAR, question VARCHAR, choice VARCHAR,
    rating INTEGER, shown JSON, served_at TIMESTAMPTZ, submitted_at TIMESTAMPTZ,
    seconds DOUBLE, source VARCHAR, PRIMARY KEY (study, rater_id, task_id, question));
"""

Outcome = Literal["recorded", "duplicate", "conflict"]
TIE = "tie"  # the choice of an A/B answer with no preference (item ids are hex hashes)


@dataclass(frozen=True)
class Answer:
    """One question's answer: the chosen item or ``TIE`` (A/B), or a rating."""

    question: str
    choice: str | None = None
    rating: int | None = None


@dataclass(frozen=True)
class StudyRecord:
    study: str
    run_id: str
    task: str
    sample_kind: str
    spec: dict[str, Any]
    spec_hash: str
    token: str
    secret: str


def has_human_tables(store: Store) -> bool:
    """Whether the store holds the human tables (a store written before human studies, and
    never opened for writing since, does not)."""
    tables = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'human_items'"
    ).fetchone()
    return tables[0] > 0


def studies_judging(store: Store, cell_ids: list[str]) -> list[str]:
    """The studies with items from any of ``cell_ids``; none when the store has no human
    tables (unlike ``HumanStore``, this never creates them: the report only reads)."""
    if not cell_ids or not has_human_tables(store):
        return []
    marks = ", ".join("?" * len(cell_ids))
    rows = store.con.execute(
        f"SELECT DISTINCT study FROM human_items WHERE cell_id IN ({marks}) ORDER BY study",
        cell_ids,
    ).fetchall()
    return [r[0] for r in rows]


class HumanStore:
    def __init__(self, store: Store):
        self.store = store
        self.con = store.con
        if not store.read_only:
            self.con.execute(SCHEMA)
        self.has_tables = has_human_tables(store)

    # -- studies, items, tasks --------------------------------------------------------------

    def create_study(
        self,
        record: StudyRecord,
        items: Iterable[tuple[str, str, int, bool]],
        tasks: Iterable[tuple[str, str, str, str | None, str | None]],
    ) -> None:
        """Write a study with its items (id, cell, index, planted) and tasks (id, check,
        item a, item b, repeat of) in one transaction."""
        con = self.con
        with transaction(con):
            con.execute(
                "INSERT INTO human_studies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    record.study,
                    record.run_id,
                    record.task,
                    record.sample_kind,
                    json.dumps(record.spec),
                    record.spec_hash,
                    record.token,
                    record.secret,
                    now(),
                ],
            )
            con.executemany(
                "INSERT INTO human_items VALUES (?, ?, ?, ?, ?)",
                [[record.study, *item] for item in items],
            )
            con.executemany(
                "INSERT INTO human_tasks VALUES (?, ?, ?, ?, ?, ?)",
                [[record.study, *task] for task in tasks],
            )

    def update_spec(self, study: str, spec: dict[str, Any], spec_hash: str) -> None:
        """Replace a study's stored definition (``create_study`` decides what may change)."""
        self.con.execute(
            "UPDATE human_studies SET spec = ?, spec_hash = ? WHERE study = ?",
            [json.dumps(spec), spec_hash, study],
        )

    def study(self, name: str) -> StudyRecord | None:
        if not self.has_tables:
            return None
        row = self.con.execute(
            "SELECT study, run_id, task, sample_kind, spec, spec_hash, token, secret "
            "FROM human_studies WHERE study = ?",
            [name],
        ).fetchone()
        if row is None:
            return None
        return StudyRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), *row[5:])

    def studies_of_run(self, run_id: str) -> list[str]:
        rows = self.con.execute(
            "SELECT study FROM human_studies WHERE run_id = ? ORDER BY created_at, study",
            [run_id],
        ).fetchall()
        return [r[0] for r in rows]

    def items(self, study: str) -> pd.DataFrame:
        return self.store.query(
            "SELECT i.*, c.model_name, c.suite_params FROM human_items i "
            "JOIN cells c USING (cell_id) WHERE i.study = ? ORDER BY i.item_id",
            [study],
        )

    def tasks(self, study: str) -> pd.DataFrame:
        return self.store.query(
            "SELECT * FROM human_tasks WHERE study = ? ORDER BY task_id", [study]
        )

    def artifacts(self, cell_id: str) -> dict[str, bytes]:
        rows = self.con.execute(
            "SELECT name, content FROM artifacts WHERE cell_id = ?", [cell_id]
        ).fetchall()
        return {name: bytes(content) for name, content in rows}

    # -- raters ------------------------------------------------------------------------------

    def add_rater(
        self,
        study: str,
        rater_id: str,
        external_id: str | None,
        source: str,
        assignment: list[tuple[str, bool]] | None = None,
    ) -> bool:
        """Register a rater and their tasks (task id, sides swapped) in one transaction;
        False if the rater was already there (nothing changes)."""
        con = self.con
        with transaction(con):
            inserted = con.execute(
                "INSERT INTO human_raters VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
                "RETURNING rater_id",
                [study, rater_id, external_id, source, now()],
            ).fetchall()
            if inserted and assignment:
                con.executemany(
                    "INSERT INTO human_assignments VALUES (?, ?, ?, ?, ?, NULL)",
                    [
                        [study, rater_id, position, task_id, swapped]
                        for position, (task_id, swapped) in enumerate(assignment)
                    ],
                )
        return bool(inserted)

    def rater_count(self, study: str, source: str) -> int:
        """How many raters joined the study from ``source`` ("web", "csv", ...)."""
        row = self.con.execute(
            "SELECT count(*) FROM human_raters WHERE study = ? AND source = ?", [study, source]
        ).fetchone()
        return int(row[0])

    def external_ids(self, study: str) -> dict[str, str | None]:
        """Rater id → the worker id they joined with (None for anonymous web raters)."""
        rows = self.con.execute(
            "SELECT rater_id, external_id FROM human_raters WHERE study = ?", [study]
        ).fetchall()
        return dict(rows)

    def task_load(self, study: str) -> dict[str, int]:
        """How many raters each task is assigned to (to spread raters evenly)."""
        rows = self.con.execute(
            "SELECT task_id, count(*) FROM human_assignments WHERE study = ? GROUP BY task_id",
            [study],
        ).fetchall()
        return dict(rows)

    def next_task(self, study: str, rater_id: str) -> dict[str, Any] | None:
        """The rater's first unanswered task, marked as served (first time only)."""
        row = self.con.execute(
            "SELECT a.position, a.task_id, a.swapped, t.check_kind, t.item_a, t.item_b "
            "FROM human_assignments a JOIN human_tasks t USING (study, task_id) "
            "WHERE a.study = ? AND a.rater_id = ? AND NOT EXISTS (SELECT 1 FROM human_votes v "
            "WHERE v.study = a.study AND v.rater_id = a.rater_id AND v.task_id = a.task_id) "
            "ORDER BY a.position LIMIT 1",
            [study, rater_id],
        ).fetchone()
        if row is None:
            return None
        self.con.execute(
            "UPDATE human_assignments SET served_at = ? WHERE study = ? AND rater_id = ? "
            "AND position = ? AND served_at IS NULL",
            [now(), study, rater_id, row[0]],
        )
        keys = ("position", "task_id", "swapped", "check_kind", "item_a", "item_b")
        return dict(zip(keys, row, strict=True))

    def progress(self, study: str, rater_id: str) -> tuple[int, int]:
        """(tasks answered, tasks assigned) for a rater."""
        row = self.con.execute(
            "SELECT count(DISTINCT v.task_id), (SELECT count(*) FROM human_assignments "
            "WHERE study = ? AND rater_id = ?) FROM human_votes v "
            "WHERE v.study = ? AND v.rater_id = ?",
            [study, rater_id, study, rater_id],
        ).fetchone()
        return int(row[0]), int(row[1])

    def assignment(self, study: str, rater_id: str, task_id: str) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT a.swapped, timezone('UTC', a.served_at), t.item_a, t.item_b "
            "FROM human_assignments a "
            "JOIN human_tasks t USING (study, task_id) "
            "WHERE a.study = ? AND a.rater_id = ? AND a.task_id = ?",
            [study, rater_id, task_id],
        ).fetchone()
        if row is None:
            return None
        served = row[1].replace(tzinfo=UTC) if row[1] is not None else None
        return {"swapped": row[0], "served_at": served, "item_a": row[2], "item_b": row[3]}

    def rater_may_see(self, study: str, rater_id: str, item_id: str) -> bool:
        row = self.con.execute(
            "SELECT 1 FROM human_assignments a JOIN human_tasks t USING (study, task_id) "
            "WHERE a.study = ? AND a.rater_id = ? AND (t.item_a = ? OR t.item_b = ?) LIMIT 1",
            [study, rater_id, item_id, item_id],
        ).fetchone()
        return row is not None

    # -- votes -------------------------------------------------------------------------------

    def record_votes(
        self,
        study: str,
        rater_id: str,
        task_id: str,
        answers: list[Answer],
        shown: dict[str, Any],
        served_at: datetime | None,
        submitted_at: datetime,
        source: str,
        seconds: float | None = None,
    ) -> Outcome:
        """Store one task's answers in one transaction. A repeat of the stored answers is
        a no-op ("duplicate"); different answers to an answered task are refused
        ("conflict"): the first vote counts. Time on task is measured from ``served_at``
        when the server showed the task, else taken from ``seconds`` (imported votes)."""
        con = self.con
        with transaction(con):
            stored = con.execute(
                "SELECT question, choice, rating FROM human_votes "
                "WHERE study = ? AND rater_id = ? AND task_id = ? ORDER BY question",
                [study, rater_id, task_id],
            ).fetchall()
            if stored:  # the transaction wrote nothing: its commit changes nothing
                given = sorted((a.question, a.choice, a.rating) for a in answers)
                return "duplicate" if given == [tuple(r) for r in stored] else "conflict"
            if served_at is not None:
                seconds = (submitted_at - served_at).total_seconds()
            con.executemany(
                "INSERT INTO human_votes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        study,
                        rater_id,
                        task_id,
                        a.question,
                        a.choice,
                        a.rating,
                        json.dumps(shown),
                        served_at,
                        submitted_at,
                        seconds,
                        source,
                    ]
                    for a in answers
                ],
            )
        return "recorded"

    def votes(self, study: str) -> pd.DataFrame:
        """Every vote with its task's check kind and the cells of the items involved."""
        return self.store.query(
            "SELECT v.*, t.check_kind, t.item_a, t.item_b, t.repeat_of, "
            "ia.cell_id AS cell_a, ib.cell_id AS cell_b, ic.cell_id AS cell_choice "
            "FROM human_votes v JOIN human_tasks t USING (study, task_id) "
            "JOIN human_items ia ON ia.study = t.study AND ia.item_id = t.item_a "
            "LEFT JOIN human_items ib ON ib.study = t.study AND ib.item_id = t.item_b "
            "LEFT JOIN human_items ic ON ic.study = v.study AND ic.item_id = v.choice "
            "WHERE v.study = ? ORDER BY v.submitted_at, v.rater_id, v.task_id, v.question",
            [study],
        )
