"""The project's own regression gate: the quick suite, run from scratch, must match
baselines/quick.json within the suite's tolerances. A change to a metric, an adapter, the
sampling seeds or the zoo weights that moves a number fails here with the gate's table;
if the move is intended, re-accept the baseline (see DEVELOPERS.md) in the same commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchbench.cli import app

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_quick_suite_matches_its_baseline(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "gate",
            str(ROOT / "suites" / "quick.yaml"),
            "--baseline",
            str(ROOT / "baselines" / "quick.json"),
            "--db",
            str(tmp_path / "gate.duckdb"),
            "--markdown",
            str(tmp_path / "gate.md"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    table = (tmp_path / "gate.md").read_text()
    assert table.count("✅ pass") == 10  # fd and kd of five cells; nothing skipped
