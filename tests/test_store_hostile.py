"""Stores under attack: a full disk, a killed run, locked, truncated, corrupt and foreign
files, and readers that must write nothing — every one a clear ``error:`` line (exit 2)
naming the file, never a traceback, and nothing stored is lost (issue 15, items 6-7)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.store.human import HumanStore
from benchbench.store.runs import Store, connect
from tests.support import REPO
from tests.support.human_specs import study as study_spec
from tests.support.records import make_cell
from tests.support.suites import noise_suite

runner = CliRunner()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A suite, a store holding one complete run of it, and that run as a baseline."""
    folder = tmp_path_factory.mktemp("stored")
    suite = folder / "suite.yaml"
    suite.write_text(yaml.safe_dump(noise_suite(), sort_keys=False))
    db = folder / "bench.duckdb"
    ran = runner.invoke(app, ["run", str(suite), "--db", str(db), "-q"])
    assert ran.exit_code == 0, ran.output
    baseline = folder / "baseline.json"
    accepted = runner.invoke(app, ["baseline", "accept", "--db", str(db), "--out", str(baseline)])
    assert accepted.exit_code == 0, accepted.output
    return {"suite": suite, "db": db, "baseline": baseline}


def bad_stores(valid: Path) -> dict[str, tuple[Callable[[Path], None], str]]:
    """Ways a --db file can be bad: how to make one, and what the error must say."""

    def write(data: bytes) -> Callable[[Path], None]:
        return lambda path: path.write_bytes(data)

    def sqlite(path: Path) -> None:
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE runs (run_id TEXT)")

    def foreign(path: Path) -> None:
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE sales (id INTEGER, amount DOUBLE)")

    def other_version(path: Path) -> None:
        shutil.copy(valid, path)
        with duckdb.connect(str(path)) as con:
            con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")

    data = valid.read_bytes()
    return {
        "text": (write(b"model,value\nddpm,1.5\n" * 50), "is not a DuckDB database file"),
        "zero-length": (write(b""), "is an empty file"),
        "folder": (lambda path: path.mkdir(), "is a folder"),
        "random bytes": (write(os.urandom(64 * 1024)), "is not a DuckDB database file"),
        "png": (write(b"\x89PNG\r\n\x1a\n" + os.urandom(4096)), "is not a DuckDB database file"),
        "sqlite": (sqlite, "is not a DuckDB database file"),
        "truncated": (write(data[: len(data) // 2]), "is truncated or corrupt"),
        "corrupt block": (write(data[:4096] + os.urandom(512) + data[4608:]), "or corrupt"),
        "foreign duckdb": (foreign, "is a DuckDB file but not a benchbench store"),
        "other schema version": (other_version, "has store schema version 0"),
    }


def store_commands(stored: dict[str, Path], db: Path, scratch: Path) -> dict[str, list[str]]:
    """Every command that opens a store, on ``db``."""
    votes = scratch / "votes.csv"
    votes.write_text("worker,task_id,question,answer\n")
    study = scratch / "study.yaml"
    study.write_text(yaml.safe_dump(study_spec()))
    suite, baseline, at = str(stored["suite"]), str(stored["baseline"]), ["--db", str(db)]
    return {
        "run": ["run", suite, "-q", *at],
        "gate": ["gate", suite, "--baseline", baseline, "-q", *at],
        "gate --run": ["gate", suite, "--baseline", baseline, "--run", "r", *at],
        "report": ["report", "--out", str(scratch / "site"), *at],
        "report markdown": ["report", "--format", "markdown", *at],
        "compare": ["compare", "a", "b", *at],
        "baseline accept": ["baseline", "accept", "--out", str(scratch / "b.json"), *at],
        "human create": ["human", "create", str(study), *at],
        "human serve": ["human", "serve", "--study", "s", "--port", "0", *at],
        "human results": ["human", "results", "--study", "s", *at],
        "human export": ["human", "export", "--study", "s", "--out", str(scratch / "x"), *at],
        "human import": ["human", "import", "--study", "s", str(votes), *at],
    }


def assert_clean_error(result, *phrases: str) -> None:
    """Exit 2 with an ``error:`` line holding every phrase, and no traceback."""
    assert not isinstance(result.exception, Exception), result.exception  # SystemExit is fine
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output, result.output
    for phrase in phrases:
        assert phrase in " ".join(result.output.split()), (phrase, result.output)


def snapshot(path: Path) -> bytes | list[str]:
    return sorted(os.listdir(path)) if path.is_dir() else path.read_bytes()


@contextmanager
def held(db: Path, read_only: bool) -> Iterator[int]:
    """Another process with ``db`` open (holding DuckDB's lock on it) for the block: its PID."""
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "
        "'ro'); print('ready', flush=True); time.sleep(300)"
    )
    mode = "ro" if read_only else "rw"
    holder = subprocess.Popen([sys.executable, "-c", code, str(db), mode], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"ready"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait(timeout=30)


# -- item 6: failures keep their reason ----------------------------------------------------


class FullDisk:
    """A connection whose commit fails as DuckDB's does when the disk is full: the
    transaction is over and the error names the cause, so the rollback that follows
    fails too ("no transaction is active")."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __getattr__(self, name: str):
        return getattr(self.con, name)

    def commit(self) -> None:
        self.con.rollback()
        raise duckdb.TransactionException(
            'TransactionContext Error: Failed to commit: Could not write file "bench.duckdb.wal":'
            " No space left on device"
        )


def test_a_failed_write_keeps_its_reason_when_the_rollback_fails_too(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        run_id = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
        store.con = FullDisk(store.con)
        with pytest.raises(duckdb.TransactionException, match="No space left on device"):
            store.save_cell(make_cell(run_id), position=0)
        store.con = store.con.con
        assert store.query("SELECT count(*) AS n FROM cells")["n"][0] == 0  # no half cell
        store.save_cell(make_cell(run_id), position=0)  # and the store goes on
        assert store.query("SELECT count(*) AS n FROM cells")["n"][0] == 1


def test_a_failed_vote_keeps_its_reason_when_the_rollback_fails_too(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        humans = HumanStore(store)
        humans.con = FullDisk(store.con)
        with pytest.raises(duckdb.TransactionException, match="No space left on device"):
            humans.add_rater("study", "r1", None, "web", [("t1", False)])


def without_writes_over(size: int) -> Callable[[], None]:
    """A child process setup: no file may grow past ``size`` bytes (as on a full disk)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.slow
def test_a_run_that_cannot_write_says_why_and_the_next_run_completes(write_suite, tmp_path):
    big = [{"name": "big", "adapter": "tests.support.fake_models:noise", "params": {"size": 256}}]
    suite = write_suite(noise_suite(models=big))
    db = tmp_path / "bench.duckdb"
    command = [sys.executable, "-m", "benchbench", "run", str(suite), "--db", str(db), "-q"]
    done = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=without_writes_over(200_000),  # the cell's samples need more
    )
    assert done.returncode == 2, done.stderr
    assert "error:" in done.stderr and "File too large" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "rollback" not in done.stderr, done.stderr

    resumed = runner.invoke(app, ["run", str(suite), "--db", str(db), "-q"])
    assert resumed.exit_code == 0, resumed.output
    with Store(db, read_only=True) as store:
        runs = store.query("SELECT status FROM runs ORDER BY started_at")
        assert list(runs["status"]) == ["interrupted", "complete"]
        assert list(store.query("SELECT status FROM cells")["status"]) == ["complete"]


@pytest.mark.slow
def test_a_killed_run_is_marked_abandoned_and_the_next_run_resumes(write_suite, tmp_path):
    marker = tmp_path / "hang"
    marker.touch()
    models = [
        {"name": "first", "adapter": "tests.support.fake_models:noise"},
        {
            "name": "hangs",
            "adapter": "tests.support.fake_models:hangs_while",
            "params": {"marker": [str(marker)]},
        },
    ]
    suite = write_suite(noise_suite(models=models))
    db = tmp_path / "bench.duckdb"
    command = [sys.executable, "-m", "benchbench", "run", str(suite), "--db", str(db), "-q"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while not Path(f"{marker}.sampling").exists():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the run never reached its second cell"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    marker.unlink()  # the model is fixed

    resumed = runner.invoke(app, ["run", str(suite), "--db", str(db), "-q"])
    assert resumed.exit_code == 0, resumed.output
    assert "1 cells run, 1 skipped" in resumed.output
    with Store(db, read_only=True) as store:
        runs = store.query("SELECT status, finished_at FROM runs ORDER BY started_at")
        assert list(runs["status"]) == ["abandoned", "complete"]
        assert runs["finished_at"].isna().tolist() == [True, False]  # when it died is unknown
        cells = store.query("SELECT model_name, status FROM cells ORDER BY model_name")
        assert cells.values.tolist() == [["first", "complete"], ["hangs", "complete"]]


def test_only_runs_of_a_dead_process_are_abandoned(tmp_path):
    db = tmp_path / "bench.duckdb"
    with Store(db) as store:
        live = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
        with Store(db) as again:  # same process, same file: shares the database
            assert again.run(live).status == "running"
        store.finish_run(live, "complete")
        dead = store.start_run("s", "h", "s.yaml", {}, "e", "0.1")
        Store._live_runs.discard(dead)  # as if its process had been killed
    with Store(db, read_only=True) as reader:  # a reader writes nothing, not even this
        assert reader.run(dead).status == "running"
    with Store(db) as store:
        assert (store.run(live).status, store.run(dead).status) == ("complete", "abandoned")


def test_a_locked_store_is_a_clear_error_for_every_command(stored, tmp_path):
    db = tmp_path / "bench.duckdb"
    shutil.copy(stored["db"], db)
    with held(db, read_only=False) as pid:
        for args in store_commands(stored, db, tmp_path).values():
            result = runner.invoke(app, args)
            assert_clean_error(result, f"{db} is in use by another process (PID {pid})")


@pytest.mark.parametrize(
    "kind",
    [
        "text",
        "zero-length",
        "folder",
        "random bytes",
        "png",
        "sqlite",
        "truncated",
        "corrupt block",
        "foreign duckdb",
        "other schema version",
    ],
)
def test_a_bad_store_file_is_a_clear_error_for_every_command_and_is_left_as_it_was(
    stored, tmp_path, kind
):
    make, says = bad_stores(stored["db"])[kind]
    db = tmp_path / "bad.duckdb"
    make(db)
    before = snapshot(db)
    for name, args in store_commands(stored, db, tmp_path).items():
        result = runner.invoke(app, args)
        assert_clean_error(result, str(db), says)
        assert "extension" not in result.output, (name, result.output)  # nothing fetched
        assert snapshot(db) == before, name
        assert not Path(f"{db}.wal").exists(), name


# -- item 7: read-only means read-only -----------------------------------------------------


def reader_commands(stored: dict[str, Path], db: Path, scratch: Path) -> dict[str, list[str]]:
    commands = store_commands(stored, db, scratch)
    with Store(stored["db"], read_only=True) as store:
        run_id = store.latest_run_id()
    commands["gate --run"][commands["gate --run"].index("r")] = run_id
    commands["compare"][1:3] = [run_id, run_id]
    readers = ("gate --run", "report", "report markdown", "compare", "baseline accept")
    return {name: commands[name] for name in readers}


def test_readers_write_nothing_and_share_the_store_with_other_readers(stored, tmp_path):
    db = tmp_path / "bench.duckdb"
    shutil.copy(stored["db"], db)
    with held(db, read_only=True):  # another reader has the file open meanwhile
        before = db.read_bytes()
        for name, args in reader_commands(stored, db, tmp_path).items():
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (name, result.output)
            assert db.read_bytes() == before, name
        results = runner.invoke(app, ["human", "results", "--study", "s", "--db", str(db)])
        assert_clean_error(results, f"no study 's' in {db}")  # no human tables: none made
        assert db.read_bytes() == before


def test_a_reader_given_a_missing_store_says_so_and_creates_nothing(stored, tmp_path):
    db = tmp_path / "missing" / "bench.duckdb"
    commands = store_commands(stored, db, tmp_path)
    readers = ["gate --run", "report", "report markdown", "compare", "baseline accept"]
    readers += ["human results", "human export", "human serve", "human import", "human create"]
    for name in readers:
        result = runner.invoke(app, commands[name])
        assert_clean_error(result, f"no results store at {db}")
        assert not db.parent.exists(), name


@pytest.mark.parametrize("read_only", [False, True])
def test_no_connection_may_download_or_load_an_extension(tmp_path, read_only):
    db = tmp_path / "bench.duckdb"
    Store(db).close()
    settings = (
        "SELECT current_setting('autoinstall_known_extensions'), "
        "current_setting('autoload_known_extensions')"
    )
    with Store(db, read_only=read_only) as store:
        assert store.con.execute(settings).fetchone() == (False, False)
        # the JSON the store keeps needs the json extension: built into the duckdb wheel
        assert store.con.execute("SELECT '{\"a\": [1, 2]}'::JSON ->> '$.a[1]'").fetchone() == ("2",)
    with connect() as con:  # the report's export connection
        assert con.execute(settings).fetchone() == (False, False)


def test_a_reader_in_the_writers_process_shares_the_store_and_writes_nothing(tmp_path):
    db = tmp_path / "bench.duckdb"
    with Store(db) as writer:
        run_id = writer.start_run("s", "h", "s.yaml", {}, "e", "0.1")
        with Store(db, read_only=True) as reader:  # DuckDB allows one mode per process
            assert reader.latest_run_id() == run_id
            assert HumanStore(reader).study("s") is None
        assert "human_studies" not in set(writer.query("SHOW TABLES")["name"])
