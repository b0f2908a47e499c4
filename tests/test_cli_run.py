"""``bench run --dry-run``: validates, lists the planned cells and what is stored, runs nothing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from benchbench.adapters.function import CallableAdapter
from benchbench.cli.app import app
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.suites import noise_suite

runner = CliRunner()


@pytest.fixture
def no_sampling(monkeypatch):
    """Any sampling call fails the test: a dry run must not draw a single sample."""

    def refuse(*args, **kwargs):
        raise AssertionError("a dry run sampled")

    monkeypatch.setattr(CallableAdapter, "sample", refuse)


def dry_run(suite_path, db) -> tuple[int, str]:
    result = runner.invoke(app, ["run", str(suite_path), "--db", str(db), "--dry-run"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_lists_every_cell_and_creates_no_store(write_suite, tmp_path, no_sampling):
    db = tmp_path / "results" / "bench.duckdb"
    code, output = dry_run(write_suite(noise_suite()), db)
    assert code == 0, output
    assert "brightness=0.5" in output and "brightness=1.0" in output
    assert "2 cells planned: 0 already stored" in output and "no store there yet" in output
    assert not db.exists() and not db.parent.exists()


def test_counts_cells_already_stored_and_leaves_the_store_unchanged(
    write_suite, tmp_path, monkeypatch
):
    db = tmp_path / "bench.duckdb"
    suite = noise_suite(models=[{"name": "one", "adapter": "tests.support.fake_models:noise"}])
    with Store(db) as store:
        run_suite(load_suite(write_suite(suite)), store)
    before = db.read_bytes()
    monkeypatch.setattr(CallableAdapter, "sample", lambda *a, **k: pytest.fail("sampled"))
    more = noise_suite()  # its two 'bright' cells are new; 'one' is stored
    more["models"].append({"name": "one", "adapter": "tests.support.fake_models:noise"})
    code, output = dry_run(write_suite(more), db)
    assert code == 0, output
    assert "3 cells planned: 1 already stored" in output and "2 to run" in output
    assert db.read_bytes() == before


def test_invalid_suite_exits_2_with_file_and_line(write_suite, tmp_path):
    path = write_suite(noise_suite(seed=-1))
    code, output = dry_run(path, tmp_path / "b.duckdb")
    assert code == 2
    assert "error: invalid suite:" in output and "suite.yaml:2: seed:" in output


def test_weights_are_checked(write_suite, tmp_path, no_sampling):
    (tmp_path / "ckpt").mkdir()
    suite = noise_suite(models=[{"name": "g", "adapter": "gan", "weights": "ckpt"}])
    code, output = dry_run(write_suite(suite), tmp_path / "b.duckdb")
    assert code == 2
    assert "models[0].weights:" in output and "is a directory" in output


def test_a_file_that_is_no_store_is_an_error(write_suite, tmp_path, no_sampling):
    db = tmp_path / "notes.duckdb"
    db.write_text("not a database")
    code, output = dry_run(write_suite(noise_suite()), db)
    assert code == 2 and f"error: {db} is not a DuckDB database file" in output.replace("\n", "")
    assert db.read_text() == "not a database"


def test_a_directory_as_the_store_is_an_error(write_suite, tmp_path, no_sampling):
    code, output = dry_run(write_suite(noise_suite()), tmp_path)
    assert code == 2 and f"error: {tmp_path} is a folder" in output.replace("\n", "")
