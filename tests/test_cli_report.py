"""`bench report --out`: a file where a folder belongs, a folder where a file belongs, an
existing file that is not an earlier summary, a folder that cannot be made — each an
`error:` line with exit code 2, and nothing already on disk is overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from tests.support.suites import noise_suite

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    suite = folder / "suite.yaml"
    suite.write_text(yaml.safe_dump(noise_suite(), sort_keys=False))
    db = folder / "bench.duckdb"
    result = runner.invoke(app, ["run", str(suite), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    return db


def report(store: Path, *args: str):
    return runner.invoke(app, ["report", "--db", str(store), *args])


def assert_error(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and message in " ".join(result.stderr.split())


def test_html_out_that_is_a_file_is_refused_and_kept(store, tmp_path):
    kept = tmp_path / "notes.txt"
    kept.write_text("mine")
    assert_error(report(store, "--out", str(kept)), f"--out {kept} is a file; the html report")
    assert kept.read_text() == "mine"
    before = store.read_bytes()
    assert_error(report(store, "--out", str(store)), f"--out {store} is a file")
    assert store.read_bytes() == before


def test_html_out_that_cannot_be_created_is_an_error(store, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = blocker / "site"
    assert_error(report(store, "--out", str(out)), f"cannot write the report to {out}: ")
    site = tmp_path / "site"
    site.mkdir()
    (site / "assets").write_text("")
    assert_error(
        report(store, "--out", str(site)), f"cannot write the report to {site}: {site}/assets"
    )
    assert (site / "assets").read_text() == ""


def test_markdown_out_that_is_a_folder_or_another_file_is_refused(store, tmp_path):
    assert_error(
        report(store, "--format", "markdown", "--out", str(tmp_path)),
        f"--out {tmp_path} is a folder; the markdown summary is one file",
    )
    before = store.read_bytes()
    assert_error(
        report(store, "--format", "markdown", "--out", str(store)),
        f"--out {store} exists and is not a .md/.markdown file; refusing to overwrite it",
    )
    assert store.read_bytes() == before
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert_error(
        report(store, "--format", "markdown", "--out", str(blocker / "summary.md")),
        f"{blocker}: is a file, where a folder is needed",
    )


def test_markdown_replaces_an_earlier_summary(store, tmp_path):
    out = tmp_path / "summary.md"
    out.write_text("an earlier summary")
    result = report(store, "--format", "markdown", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("### benchbench")
