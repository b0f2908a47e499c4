"""A real run for the human-evaluation tests, as a pytest plugin (``pytest_plugins``).

One small suite is run once per session (four cells of test sampling functions with
a quality metric, so Kendall's tau has something to compare with); each test gets its
own copy of the store and writes study files next to it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from tests.support.human_specs import SUITE


def stored_run(folder: Path, suite: dict) -> Path:
    """``bench run`` of ``suite`` into a new store in ``folder``; the store's path."""
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump(suite, sort_keys=False))
    db = folder / "bench.duckdb"
    result = CliRunner().invoke(app, ["run", str(path), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def human_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stored_run(tmp_path_factory.mktemp("human-run"), SUITE)


@pytest.fixture
def human_db(human_run: Path, tmp_path: Path) -> Path:
    """A private copy of the session's store."""
    db = tmp_path / "bench.duckdb"
    shutil.copy(human_run, db)
    return db


@pytest.fixture
def write_study(tmp_path: Path) -> Callable[..., Path]:
    """Write a study dict (or raw YAML) to a file and return its path."""

    def write(content: dict | str, name: str = "study.yaml") -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text)
        return path

    return write
