"""Stores under attack: a full disk, a killed run, locked, truncated, corrupt and foreign
files, and readers that must write nothing — every one a clear ``error:`` line (exit 2)
naming the file, never a traceback, and nothing stored is lost (issue 15, items 6-7)."""

from __future__ import annotations

import duckdb
import pytest

from benchbench.human_store import HumanStore
from benchbench.store import Store
from tests.test_store import make_cell

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
