"""The DuckDB store: the only module that speaks SQL.

Cells are content-addressed results: a cell's ``cell_key`` hashes everything that
determines its numbers (model fingerprint, params, sampling, timing policy, device,
metric versions, ...). A run is one invocation of a suite and lists the cells it is
made of in ``run_cells``; a cell computed by an earlier run is linked, not
recomputed, so re-running a suite adds no duplicate results. Each cell is written
in one transaction: a crash leaves no half cell.

Opening is where a file is judged: a folder, a missing file (for a reader), a file that
is not DuckDB's, a DuckDB file that is not a store, a store of another schema version,
a locked, truncated or corrupt file — each is a ``StoreError`` naming the file and saying
plainly what is wrong. Readers open read-only and write nothing. No connection may fetch
or load a DuckDB extension from the network: what the store needs (JSON, ICU, Parquet)
is built into the duckdb wheel.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

import duckdb
import pandas as pd

from benchbench.records import CellRecord, now
from benchbench.store.rows import (
    Row,
    StoredArtifact,
    StoredCell,
    StoredMeasurement,
    StoredRun,
)

SCHEMA_VERSION = "1"
DEFAULT_DB = Path("results/bench.duckdb")
# Every connection's settings: never download or load an extension on a query's behalf.
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
DUCKDB_MAGIC = b"DUCK"  # bytes 8 to 11 of every DuckDB database file

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS environments (
    env_id VARCHAR PRIMARY KEY, device VARCHAR, device_name VARCHAR, cpu_model VARCHAR,
    gpu_name VARCHAR, gpu_driver VARCHAR, cuda_runtime VARCHAR, torch_version VARCHAR,
    python VARCHAR, platform VARCHAR, git_sha VARCHAR, captured_at TIMESTAMPTZ, details JSON);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, suite_name VARCHAR, suite_hash VARCHAR, suite_path VARCHAR,
    suite JSON, env_id VARCHAR, benchbench_version VARCHAR, started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ, status VARCHAR);
-- How many cells the run planned: fewer in run_cells means it stopped early. Added after
-- the first stores were written, which gain the column (empty for their runs) on open.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS planned_cells INTEGER;
CREATE TABLE IF NOT EXISTS cells (
    cell_id VARCHAR PRIMARY KEY, cell_key VARCHAR, run_id VARCHAR, suite_name VARCHAR,
    model_name VARCHAR, family VARCHAR, adapter VARCHAR, params JSON, suite_params JSON,
    weights VARCHAR,
    model_fingerprint VARCHAR, device VARCHAR, env_id VARCHAR, seed BIGINT, num_samples INTEGER,
    batch_size INTEGER, status VARCHAR, error VARCHAR, started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS run_cells (
    run_id VARCHAR, cell_id VARCHAR, position INTEGER, reused BOOLEAN,
    PRIMARY KEY (run_id, cell_id));
CREATE TABLE IF NOT EXISTS measurements (
    cell_id VARCHAR, metric VARCHAR, label VARCHAR, kind VARCHAR, value DOUBLE, ci_low DOUBLE,
    ci_high DOUBLE, ci_level DOUBLE, n BIGINT, unit VARCHAR, higher_is_better BOOLEAN,
    signature JSON, signature_hash VARCHAR, warnings JSON, PRIMARY KEY (cell_id, metric));
CREATE TABLE IF NOT EXISTS timing_samples (
    cell_id VARCHAR, phase VARCHAR, idx INTEGER, seconds DOUBLE, items BIGINT,
    PRIMARY KEY (cell_id, phase, idx));
CREATE TABLE IF NOT EXISTS artifacts (
    cell_id VARCHAR, name VARCHAR, media_type VARCHAR, sha256 VARCHAR, content BLOB, meta JSON,
    PRIMARY KEY (cell_id, name));
-- Training cells (suites with ``trainings``): per block of steps, and per series in it
-- (loss/<name>, grad_norm/<name>), then the quality measured at each checkpoint.
CREATE TABLE IF NOT EXISTS training_blocks (
    cell_id VARCHAR, step_end INTEGER, steps INTEGER, seconds DOUBLE, nonfinite INTEGER,
    PRIMARY KEY (cell_id, step_end));
CREATE TABLE IF NOT EXISTS training_series (
    cell_id VARCHAR, step_end INTEGER, series VARCHAR, mean DOUBLE, max DOUBLE,
    PRIMARY KEY (cell_id, step_end, series));
CREATE TABLE IF NOT EXISTS training_checkpoints (
    cell_id VARCHAR, step INTEGER, train_seconds DOUBLE, metric VARCHAR, label VARCHAR,
    value DOUBLE, ci_low DOUBLE, ci_high DOUBLE, ci_level DOUBLE, n BIGINT, unit VARCHAR,
    higher_is_better BOOLEAN, signature_hash VARCHAR, PRIMARY KEY (cell_id, step, metric));
"""


_CELLS_OF_RUNS = "SELECT DISTINCT cell_id FROM run_cells WHERE run_id IN ({runs})"
EXPORT_TABLES = {
    "runs": "SELECT * FROM runs WHERE run_id IN ({runs}) ORDER BY started_at, run_id",
    "run_cells": "SELECT * FROM run_cells WHERE run_id IN ({runs}) ORDER BY run_id, position",
    "environments": "SELECT * FROM environments WHERE env_id IN "
    "(SELECT env_id FROM runs WHERE run_id IN ({runs}) UNION "
    f"SELECT env_id FROM cells WHERE cell_id IN ({_CELLS_OF_RUNS})) ORDER BY env_id",
    "cells": f"SELECT * FROM cells WHERE cell_id IN ({_CELLS_OF_RUNS}) "
    "ORDER BY started_at, cell_id",
    "measurements": "SELECT * FROM measurements WHERE cell_id IN "
    f"({_CELLS_OF_RUNS}) ORDER BY cell_id, metric",
    "timing_samples": "SELECT * FROM timing_samples WHERE cell_id IN "
    f"({_CELLS_OF_RUNS}) ORDER BY cell_id, phase, idx",
    "training_blocks": "SELECT * FROM training_blocks WHERE cell_id IN "
    f"({_CELLS_OF_RUNS}) ORDER BY cell_id, step_end",
    "training_series": "SELECT * FROM training_series WHERE cell_id IN "
    f"({_CELLS_OF_RUNS}) ORDER BY cell_id, step_end, series",
    "training_checkpoints": "SELECT * FROM training_checkpoints WHERE cell_id IN "
    f"({_CELLS_OF_RUNS}) ORDER BY cell_id, step, metric",
}


class StoreError(RuntimeError):
    """The database cannot be used (missing, not a store, wrong schema version, locked,
    corrupt, a failed write); the message names the file."""


class StoreBusy(StoreError):
    """Another process holds the file's lock: the store may be free again soon."""


def connect(path: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with benchbench's settings (no extension downloads)."""
    return duckdb.connect(path, read_only=read_only, config=dict(DUCKDB_CONFIG))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: committed if it succeeds, rolled back if not.

    When a write fails DuckDB may have ended the transaction already (a failed commit
    does) or be unable to roll back (a full disk): the rollback's own error would then
    hide the one that says what went wrong, so the block's error is the one raised."""
    con.begin()
    try:
        yield
        con.commit()
    except BaseException as error:
        try:
            con.rollback()
        except duckdb.Error as failed:
            error.add_note(f"(the rollback failed too: {failed})")
        raise


def store_error(path: Path, exc: duckdb.Error) -> StoreError:
    """DuckDB's error as a StoreError that names the file and says plainly what is wrong."""
    message = str(exc)
    detail = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    if "Conflicting lock" in message:
        holder = re.search(r"PID (\d+)", message)
        by = f" (PID {holder[1]})" if holder else ""
        return StoreBusy(
            f"{path} is in use by another process{by}; wait for it to finish or use another --db"
        )
    if re.search(r"Could not read enough bytes|checksum|corrupt", message, re.IGNORECASE):
        return StoreError(f"{path} is truncated or corrupt ({detail})")
    return StoreError(f"{path}: {detail}")


def check_store_file(path: Path, must_exist: bool) -> None:
    """Refuse, before DuckDB opens it, a path that cannot hold a store: a folder, a
    missing file where one must exist (nothing is created), an empty file or a file
    that is not a DuckDB database (text, SQLite, an image ...)."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a results store file")
    if not path.exists():
        if must_exist:
            raise StoreError(
                f"no results store at {path}; run a suite first (bench run SUITE --db {path})"
            )
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    if not head:
        raise StoreError(f"{path} is an empty file, not a DuckDB database")
    if head[8:12] != DUCKDB_MAGIC:
        raise StoreError(f"{path} is not a DuckDB database file")


class Store:
    """The results store in one DuckDB file; used as a context manager, a DuckDB error
    raised inside the ``with`` block leaves it as a ``StoreError`` naming the file."""

    # Runs this process has started and not finished. Another Store on the same file in
    # this process shares its DuckDB database (no lock keeps it out): they are not stale.
    _live_runs: ClassVar[set[str]] = set()

    def __init__(
        self, path: str | Path = DEFAULT_DB, *, read_only: bool = False, create: bool = True
    ):
        """Open the store at ``path``. ``read_only`` opens it for reading only: nothing is
        written, the file must exist and be a store. A writable open makes a new store
        where the file is missing (unless ``create`` is false) and marks the runs that a
        dead process left ``running`` as ``abandoned``."""
        self.path = Path(path)
        self.read_only = read_only
        check_store_file(self.path, must_exist=read_only or not create)
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = self._connect()
        except OSError as exc:
            raise StoreError(f"cannot create the store {self.path}: {exc.strerror}") from exc
        except duckdb.Error as exc:
            raise store_error(self.path, exc) from exc
        try:
            self._prepare()
        except BaseException as exc:
            self.con.close()
            if isinstance(exc, duckdb.Error):
                raise store_error(self.path, exc) from exc
            raise

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """The connection. A reader in a process that has the file open for writing already
        shares that database (DuckDB refuses a second, read-only one in the same process);
        it still writes nothing: only a writable Store's opening writes."""
        try:
            return connect(str(self.path), read_only=self.read_only)
        except duckdb.ConnectionException as exc:
            if self.read_only and "different configuration" in str(exc):
                return connect(str(self.path))
            raise

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        if isinstance(error, duckdb.Error):
            raise store_error(self.path, error) from error

    def _prepare(self) -> None:
        """Check the schema version (creating the tables in a new writable store) and,
        when writable, mark stale runs."""
        version = self._schema_version()
        if version is None:
            if self.read_only or self._has_tables():
                raise StoreError(
                    f"{self.path} is a DuckDB file but not a benchbench store "
                    "(it has no benchbench schema version); use another --db file"
                )
            with transaction(self.con):
                self.con.execute(SCHEMA)
                self.con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
        elif version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema version {version}; this benchbench writes "
                f"version {SCHEMA_VERSION}. Use another --db file."
            )
        elif not self.read_only:
            self.con.execute(SCHEMA)  # tables added since the store was made
        if not self.read_only:
            self._abandon_stale_runs()

    def _schema_version(self) -> str | None:
        """The stored schema version; None where no benchbench ``meta`` table holds one."""
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except (duckdb.CatalogException, duckdb.BinderException):
            return None
        return None if row is None else str(row[0])

    def _has_tables(self) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        ).fetchone()
        return row[0] > 0

    def _abandon_stale_runs(self) -> None:
        """Mark ``abandoned`` the runs left ``running`` by a process that ended without
        finishing them (killed, crashed, powered off); when it ended is unknown, so
        ``finished_at`` stays empty. A writable open holds DuckDB's lock on the file, so
        no other process is running a run on it: only this process's own are live."""
        self.con.execute(
            "UPDATE runs SET status = 'abandoned' WHERE status = 'running' "
            "AND NOT list_contains(?::VARCHAR[], run_id)",
            [sorted(self._live_runs)],
        )

    # -- writes ---------------------------------------------------------------------------

    def save_environment(self, env: dict[str, Any]) -> str:
        packages = env.get("packages", {})
        self.con.execute(
            "INSERT INTO environments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (env_id) DO NOTHING",
            [
                env["env_id"],
                env.get("device"),
                env.get("device_name"),
                env.get("cpu_model"),
                env.get("gpu_name"),
                env.get("gpu_driver"),
                env.get("cuda_runtime"),
                packages.get("torch"),
                env.get("python"),
                env.get("platform"),
                env.get("git_sha"),
                now(),
                json.dumps(env, default=str),
            ],
        )
        return env["env_id"]

    def start_run(
        self,
        suite_name: str,
        suite_hash: str,
        suite_path: str,
        suite: dict,
        env_id: str,
        version: str,
        planned_cells: int | None = None,
    ) -> str:
        run_id = now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 'running', ?)",
            [
                run_id,
                suite_name,
                suite_hash,
                suite_path,
                json.dumps(suite),
                env_id,
                version,
                now(),
                planned_cells,
            ],
        )
        self._live_runs.add(run_id)
        return run_id

    def finish_run(self, run_id: str, status: str) -> None:
        self._live_runs.discard(run_id)
        self.con.execute(
            "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?", [status, now(), run_id]
        )

    def save_cell(self, cell: CellRecord, position: int) -> None:
        """Write the cell, its measurements, timings and artifacts, and link it to its run."""
        con = self.con
        with transaction(con):
            con.execute(
                f"INSERT INTO cells VALUES ({', '.join(['?'] * 20)})",
                [
                    cell.cell_id,
                    cell.cell_key,
                    cell.run_id,
                    cell.suite_name,
                    cell.model_name,
                    cell.family,
                    cell.adapter,
                    json.dumps(cell.params),
                    json.dumps(cell.suite_params),
                    cell.weights,
                    cell.model_fingerprint,
                    cell.device,
                    cell.env_id,
                    cell.seed,
                    cell.num_samples,
                    cell.batch_size,
                    cell.status,
                    cell.error,
                    cell.started_at,
                    cell.finished_at,
                ],
            )
            if cell.measurements:
                con.executemany(
                    "INSERT INTO measurements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        [
                            cell.cell_id,
                            m.metric,
                            m.label or m.metric,
                            m.kind,
                            m.value,
                            m.ci_low,
                            m.ci_high,
                            m.ci_level,
                            m.n,
                            m.unit,
                            m.higher_is_better,
                            json.dumps(m.signature) if m.signature is not None else None,
                            m.signature_hash,
                            json.dumps(list(m.warnings)),
                        ]
                        for m in cell.measurements
                    ],
                )
            if cell.timing_samples:
                con.executemany(
                    "INSERT INTO timing_samples VALUES (?, ?, ?, ?, ?)",
                    [[cell.cell_id, *sample] for sample in cell.timing_samples],
                )
            for art in cell.artifacts:
                con.execute(
                    "INSERT INTO artifacts VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        cell.cell_id,
                        art.name,
                        art.media_type,
                        art.sha256,
                        art.content,
                        json.dumps(art.meta),
                    ],
                )
            self._save_training(cell)
            self._link(cell.run_id, cell.cell_id, position, reused=False)

    def _save_training(self, cell: CellRecord) -> None:
        """A training cell's step blocks and checkpoint evaluations (inside save_cell's
        transaction)."""
        con = self.con
        if cell.training_blocks:
            con.executemany(
                "INSERT INTO training_blocks VALUES (?, ?, ?, ?, ?)",
                [
                    [cell.cell_id, b.step_end, b.steps, b.seconds, b.nonfinite]
                    for b in cell.training_blocks
                ],
            )
            series = [
                [cell.cell_id, b.step_end, name, mean, peak]
                for b in cell.training_blocks
                for name, (mean, peak) in b.series.items()
            ]
            if series:
                con.executemany("INSERT INTO training_series VALUES (?, ?, ?, ?, ?)", series)
        rows = [
            [
                cell.cell_id,
                c.step,
                c.train_seconds,
                m.metric,
                m.label or m.metric,
                m.value,
                m.ci_low,
                m.ci_high,
                m.ci_level,
                m.n,
                m.unit,
                m.higher_is_better,
                m.signature_hash,
            ]
            for c in cell.training_checkpoints
            for m in c.measurements
        ]
        if rows:
            con.executemany(
                f"INSERT INTO training_checkpoints VALUES ({', '.join(['?'] * 13)})", rows
            )

    def link_cell(self, run_id: str, cell_id: str, position: int) -> None:
        """Count an earlier run's complete cell as part of ``run_id`` (a skipped cell)."""
        self._link(run_id, cell_id, position, reused=True)

    def _link(self, run_id: str, cell_id: str, position: int, reused: bool) -> None:
        self.con.execute(
            "INSERT INTO run_cells VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [run_id, cell_id, position, reused],
        )

    # -- reads ----------------------------------------------------------------------------

    def find_complete_cell(self, cell_key: str) -> str | None:
        row = self.con.execute(
            "SELECT cell_id FROM cells WHERE cell_key = ? AND status = 'complete' "
            "ORDER BY finished_at DESC LIMIT 1",
            [cell_key],
        ).fetchone()
        return row[0] if row else None

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Any SQL, as a table (for exports and analyses: readers of runs, cells,
        measurements and artifacts get typed rows from the methods below)."""
        return self.con.execute(sql, params or []).df()

    def _rows(self, of: Callable[[dict[str, Any]], Row], sql: str, params: list[Any]) -> list[Row]:
        """Each row of ``sql`` as ``of`` builds it from its columns by name (NULL is None)."""
        cursor = self.con.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [of(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    def run(self, run_id: str) -> StoredRun | None:
        runs = self._rows(StoredRun.of, "SELECT * FROM runs WHERE run_id = ?", [run_id])
        return runs[0] if runs else None

    def latest_run_id(self, suite_name: str | None = None) -> str | None:
        sql = "SELECT run_id FROM runs"
        params: list[Any] = []
        if suite_name is not None:
            sql += " WHERE suite_name = ?"
            params.append(suite_name)
        row = self.con.execute(sql + " ORDER BY started_at DESC LIMIT 1", params).fetchone()
        return row[0] if row else None

    def run_cells(self, run_id: str) -> list[StoredCell]:
        """The cells of a run in suite order, with whether each was reused and the device
        model it was measured on."""
        return self._rows(
            StoredCell.of,
            "SELECT rc.position, rc.reused, c.*, e.device_name FROM run_cells rc "
            "JOIN cells c USING (cell_id) LEFT JOIN environments e ON e.env_id = c.env_id "
            "WHERE rc.run_id = ? ORDER BY rc.position",
            [run_id],
        )

    def run_environment(self, run_id: str) -> dict[str, Any]:
        """The environment a run was measured in (the full captured dict)."""
        row = self.con.execute(
            "SELECT e.details FROM runs r JOIN environments e USING (env_id) WHERE r.run_id = ?",
            [run_id],
        ).fetchone()
        return json.loads(row[0]) if row else {}

    def run_steady_timings(self, run_id: str) -> pd.DataFrame:
        """Raw steady-state call durations of every cell of a run, in call order."""
        return self.query(
            "SELECT rc.position, t.idx, t.seconds, t.items FROM run_cells rc "
            "JOIN timing_samples t USING (cell_id) WHERE rc.run_id = ? AND t.phase = 'steady' "
            "ORDER BY rc.position, t.idx",
            [run_id],
        )

    def suite_names(self) -> list[str]:
        frame = self.query("SELECT DISTINCT suite_name FROM runs ORDER BY suite_name")
        return list(frame["suite_name"])

    def suite_runs(self, suite_name: str) -> list[str]:
        """Run ids of a suite, oldest first."""
        frame = self.query(
            "SELECT run_id FROM runs WHERE suite_name = ? ORDER BY started_at, run_id",
            [suite_name],
        )
        return list(frame["run_id"])

    def environments(self, env_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The captured environment of each id (ids not stored are left out)."""
        if not env_ids:
            return {}
        marks = ", ".join("?" * len(env_ids))
        frame = self.query(
            f"SELECT env_id, details FROM environments WHERE env_id IN ({marks})", env_ids
        )
        return {row.env_id: json.loads(row.details) for row in frame.itertuples()}

    def run_artifacts(self, run_id: str) -> list[StoredArtifact]:
        """Every artifact of a run's cells (blobs included), by cell position and name."""
        return self._rows(
            StoredArtifact.of,
            "SELECT rc.position, a.name, a.media_type, a.sha256, a.content, a.meta "
            "FROM run_cells rc JOIN artifacts a USING (cell_id) WHERE rc.run_id = ? "
            "ORDER BY rc.position, a.name",
            [run_id],
        )

    def export_tables(self, run_ids: list[str]) -> dict[str, pd.DataFrame]:
        """The rows behind ``run_ids`` — runs, their cells (reused ones too), environments,
        measurements and raw timings — table by table; artifact blobs are left out."""
        marks = ", ".join("?" * len(run_ids))
        return {
            name: self.query(sql.format(runs=marks), run_ids * sql.count("{runs}"))
            for name, sql in EXPORT_TABLES.items()
        }

    def run_training_blocks(self, run_id: str) -> pd.DataFrame:
        """The run's training step blocks, one row per block and series (``series`` and its
        ``mean``/``max`` are NULL for a block without series), with the cell's model name
        and seed, in cell and step order."""
        return self.query(
            "SELECT rc.position, c.cell_id, c.model_name, c.seed, b.step_end, b.steps, "
            "b.seconds, b.nonfinite, s.series, s.mean, s.max FROM run_cells rc "
            "JOIN cells c USING (cell_id) JOIN training_blocks b USING (cell_id) "
            "LEFT JOIN training_series s ON s.cell_id = b.cell_id AND s.step_end = b.step_end "
            "WHERE rc.run_id = ? ORDER BY rc.position, b.step_end, s.series",
            [run_id],
        )

    def run_training_checkpoints(self, run_id: str) -> pd.DataFrame:
        """The run's checkpoint evaluations, one row per checkpoint and metric, with the
        cell's model name and seed, in cell and step order."""
        return self.query(
            "SELECT rc.position, c.cell_id, c.model_name, c.seed, k.* EXCLUDE (cell_id) "
            "FROM run_cells rc JOIN cells c USING (cell_id) "
            "JOIN training_checkpoints k USING (cell_id) "
            "WHERE rc.run_id = ? ORDER BY rc.position, k.step, k.metric",
            [run_id],
        )

    def run_measurements(self, run_id: str) -> list[StoredMeasurement]:
        """Every measurement of a run's cells, by cell position and metric name."""
        return self._rows(
            StoredMeasurement.of,
            "SELECT rc.position, m.* FROM run_cells rc JOIN measurements m USING (cell_id) "
            "WHERE rc.run_id = ? ORDER BY rc.position, m.metric",
            [run_id],
        )
