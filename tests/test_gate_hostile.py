"""The gate under hostile input: it never passes what it could not check, always writes its
reports, and answers bad baselines, devices and text with a message, never a traceback."""

from __future__ import annotations

import dataclasses
import json
import math
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import torch
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.gate.baseline import (
    CellSnapshot,
    MetricSnapshot,
    Snapshot,
    read_baseline,
    snapshot_run,
    write_baseline,
)
from benchbench.gate.compare import RUN_ROW, Comparison, GateResult, Status, compare_runs
from benchbench.gate.output import junit_xml, markdown
from benchbench.markdown_escape import escape
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from benchbench.suite.schema import GateSpec
from tests.support.suites import noise_suite

runner = CliRunner()


def invoke(*args: object):
    result = runner.invoke(app, [str(a) for a in args])
    assert isinstance(result.exception, SystemExit | None), result.exception  # no traceback
    assert "Traceback" not in result.output
    return result


def gate(suite, baseline, tmp_path, *extra: object):
    """``bench gate`` asking for both reports (tmp_path/gate.md and tmp_path/gate.xml)."""
    md, xml = tmp_path / "gate.md", tmp_path / "gate.xml"
    md.unlink(missing_ok=True)
    xml.unlink(missing_ok=True)
    args = ["gate", suite, "--baseline", baseline, "--db", tmp_path / "pr.duckdb", "-q"]
    return invoke(*args, "--markdown", md, "--junit", xml, *extra)


def reports(tmp_path) -> tuple[str, list[ET.Element]]:
    """The Markdown written, and the JUnit testcases that failed or erred."""
    text = (tmp_path / "gate.md").read_text()
    cases = ET.parse(tmp_path / "gate.xml").getroot().iter("testcase")
    return text, [c for c in cases if c.find("failure") is not None or c.find("error") is not None]


def model(name: str, adapter: str, **params) -> dict:
    return {"name": name, "adapter": f"tests.support.fake_models:{adapter}", "params": params}


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """The default noise suite's run (two cells, on this machine) as a snapshot."""
    root = tmp_path_factory.mktemp("accepted")
    with Store(root / "base.duckdb") as store:
        path = root / "suite.yaml"
        path.write_text(yaml.safe_dump(noise_suite()))
        return snapshot_run(store, run_suite(load_suite(path), store).run_id)


# -- a model that ends its process, or raises what is not an Exception ----------------------


@pytest.mark.parametrize("adapter", ["calls_sys_exit", "raises_base_exception"])
def test_a_model_that_exits_is_a_failed_cell_and_the_run_goes_on(adapter, write_suite, tmp_path):
    models = [model("quits", adapter), model("fine", "noise")]
    db = tmp_path / "b.duckdb"
    result = invoke("run", write_suite(noise_suite(models=models)), "--db", db, "-q")
    assert result.exit_code == 1, result.output
    with Store(db) as store:
        cells = store.query("SELECT model_name, status, error FROM cells ORDER BY model_name")
    assert list(cells["status"]) == ["complete", "failed"]  # fine, quits
    expected = {
        "calls_sys_exit": "SystemExit: the model called sys.exit(0)",
        "raises_base_exception": "Escape: a BaseException that is not an Exception",
    }[adapter]
    assert cells["error"][1].startswith(expected)


def test_the_gate_fails_a_model_that_exits_and_writes_its_reports(write_suite, tmp_path):
    good = snapshot(cell("m", samples_per_s=timing([0.01, 0.011])), suite="test")
    baseline = write_baseline(good, tmp_path / "base.json")
    suite = noise_suite(models=[model("m", "calls_sys_exit"), model("fine", "noise")])
    result = gate(write_suite(suite), baseline, tmp_path)
    assert result.exit_code == 1, result.output
    text, failed = reports(tmp_path)
    assert "SystemExit: the model called sys.exit(0)" in text
    assert {c.get("classname") for c in failed} == {"m", "fine", RUN_ROW}  # fine: no baseline


# -- Ctrl-C, crashes and a missing device: the gate fails and still reports -----------------


def test_ctrl_c_during_the_gate_exits_130_keeps_cells_and_writes_reports(write_suite, tmp_path):
    empty = write_baseline(Snapshot("test", "r0", {}, []), tmp_path / "base.json")
    suite = noise_suite(models=[model("first", "noise"), model("second", "interrupts")])
    result = gate(write_suite(suite), empty, tmp_path)
    assert result.exit_code == 130, result.output
    text, failed = reports(tmp_path)
    assert "interrupted (Ctrl-C)" in text and "run interrupted, 1 of 2 planned cells" in text
    assert RUN_ROW in {c.get("classname") for c in failed}
    with Store(tmp_path / "pr.duckdb") as store:
        assert list(store.query("SELECT model_name FROM cells")["model_name"]) == ["first"]


def test_a_crash_midway_fails_the_gate_with_its_reason(write_suite, tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise ValueError("the harness broke")

    monkeypatch.setattr("benchbench.run.executors.local.measure", crash)
    empty = write_baseline(Snapshot("test", "r0", {}, []), tmp_path / "base.json")
    result = gate(write_suite(noise_suite()), empty, tmp_path)
    assert result.exit_code == 1, result.output
    assert "error: the gate stopped: ValueError: the harness broke" in result.output
    text, failed = reports(tmp_path)
    assert "the harness broke" in text and failed


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("cuda", "device 'cuda' requested but CUDA is not available on this machine"),
        ("bogus", "device 'bogus' is not a device: Expected one of cpu, cuda"),
    ],
)
@pytest.mark.parametrize("command", ["gate", "run"])
def test_a_missing_or_unknown_device_is_a_clear_error(
    command, device, message, write_suite, tmp_path
):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    suite = write_suite(noise_suite())
    if command == "run":
        result = invoke("run", suite, "--db", tmp_path / "b.duckdb", "--device", device)
    else:
        empty = write_baseline(Snapshot("test", "r0", {}, []), tmp_path / "base.json")
        result = gate(suite, empty, tmp_path, "--device", device)
    assert result.exit_code == 2, result.output
    assert f"error: {message}" in result.output
    if command == "gate":  # and its reports say so
        text, failed = reports(tmp_path)
        assert escape(message) in text and failed[0].find("error") is not None


# -- partial runs and partial baselines -----------------------------------------------------


def test_an_interrupted_run_is_no_baseline_unless_asked_and_then_gates_its_gaps(
    write_suite, tmp_path
):
    """3 of 5 cells stored, then Ctrl-C: refused as a baseline; accepted with
    --allow-partial, the file says so, and the gate fails on the two cells it lacks."""
    bright = model("bright", "noise", brightness=[0.25, 0.5, 0.75])
    interrupted = noise_suite(models=[bright, model("stop", "interrupts"), model("tail", "noise")])
    db, out = tmp_path / "b.duckdb", tmp_path / "base.json"
    assert invoke("run", write_suite(interrupted), "--db", db, "-q").exit_code == 130

    refused = invoke("baseline", "accept", "--db", db, "--out", out)
    assert refused.exit_code == 2 and not out.exists()
    assert "is partial (run interrupted, 3 of 5 planned cells stored)" in refused.output
    assert "--allow-partial" in refused.output

    allowed = invoke("baseline", "accept", "--db", db, "--out", out, "--allow-partial")
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(out.read_text())["partial"] == "run interrupted, 3 of 5 planned cells stored"

    fixed = noise_suite(
        models=[bright, model("stop", "noise"), model("tail", "noise")],
        gate={"ignore": ["samples_per_s"]},  # timings on a shared runner are noise
    )
    result = gate(write_suite(fixed), out, tmp_path)
    assert result.exit_code == 1, result.output
    text, failed = reports(tmp_path)
    assert {c.get("classname") for c in failed} == {"stop", "tail"}
    assert "The baseline is partial: run interrupted, 3 of 5 planned cells stored" in text


def test_a_run_with_a_failed_cell_is_no_baseline(write_suite, tmp_path):
    db = tmp_path / "b.duckdb"
    models = [model("fine", "noise"), model("loud", "wrong_range")]
    assert invoke("run", write_suite(noise_suite(models=models)), "--db", db, "-q").exit_code == 1
    refused = invoke("baseline", "accept", "--db", db, "--out", tmp_path / "base.json")
    assert refused.exit_code == 2 and "(1 of 2 cells failed)" in refused.output


def test_a_store_from_before_planned_cells_opens_and_gains_them(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path) as store:  # as the store was before runs recorded their plan
        store.con.execute("ALTER TABLE runs DROP COLUMN planned_cells")
        store.con.execute(
            "INSERT INTO runs VALUES ('old', 's', 'h', 's.yaml', '{}', 'e', '0', now(), now(), "
            "'complete')"
        )
    with Store(path) as store:
        new = store.start_run("s", "h", "s.yaml", {}, "e", "0", planned_cells=5)
        planned = dict(store.query("SELECT run_id, planned_cells FROM runs").itertuples(False))
        assert planned[new] == 5 and pd.isna(planned["old"])
        assert snapshot_run(store, "old").partial is None  # unknown plan, finished: complete


# -- NaN, infinity and missing values on either side ----------------------------------------


def metric(value: float | None = 10.0, **changes) -> MetricSnapshot:
    fields = dict(kind="quality", unit="", higher_is_better=False, ci_low=9.0, ci_high=11.0)
    return MetricSnapshot(value=value, **{**fields, "ci_level": 0.95, "n": 100, **changes})


def timing(samples: list[float]) -> MetricSnapshot:
    return MetricSnapshot(100.0, "speed", "samples/s", True, samples=samples)


def snapshot(*cells: CellSnapshot, partial: str | None = None, suite: str = "s") -> Snapshot:
    return Snapshot(suite, "r", {"device_name": "cpu-x"}, list(cells), partial)


def cell(name: str = "m", status: str = "complete", **metrics: MetricSnapshot) -> CellSnapshot:
    error = None if status == "complete" else "RuntimeError: boom"
    return CellSnapshot(name, {}, "f", "fp", status, error, metrics)


GOOD = snapshot(cell(fd=metric(), samples_per_s=timing([0.01, 0.011, 0.012])))
NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("metric_name", "changes", "reason"),
    [
        ("fd", {"value": NAN}, "value is nan: not a finite number"),
        ("fd", {"value": INF}, "value is inf: not a finite number"),
        ("fd", {"value": -INF}, "value is -inf: not a finite number"),
        ("fd", {"value": None}, "value is missing"),
        ("fd", {"ci_low": NAN}, "CI [nan, 11.0] is not finite"),
        ("fd", {"ci_high": INF}, "CI [9.0, inf] is not finite"),
        ("fd", {"ci_level": NAN}, "CI level nan is not between 0 and 1"),
        ("samples_per_s", {"samples": [0.01, NAN, 0.012]}, "timing samples include nan"),
    ],
)
@pytest.mark.parametrize("side", ["baseline", "this run's"])
def test_a_number_that_is_not_finite_fails_with_its_reason(metric_name, changes, reason, side):
    old = GOOD.cells[0].metrics[metric_name]
    broken = dataclasses.replace(old, **changes)
    bad = snapshot(cell(**{**GOOD.cells[0].metrics, metric_name: broken}))
    baseline, current = (bad, GOOD) if side == "baseline" else (GOOD, bad)
    result = compare_runs(baseline, current, GateSpec())
    row = next(c for c in result.comparisons if c.metric == metric_name)
    assert row.status is Status.FAILED and row.note.startswith(f"{side} {reason}")
    assert result.exit_code == 1


def test_nan_is_never_an_improvement_through_the_cli(accepted, write_suite, tmp_path):
    payload = json.loads(accepted.to_json())
    payload["cells"][0]["metrics"]["samples_per_s"]["value"] = NAN  # json writes NaN
    baseline = tmp_path / "nan.json"
    baseline.write_text(json.dumps(payload))
    loose = noise_suite(gate={"tolerances": {"samples_per_s": {"rel": 100.0}}})  # timing noise
    result = gate(write_suite(loose), baseline, tmp_path)
    assert result.exit_code == 1, result.output
    text, failed = reports(tmp_path)
    assert "improved" not in text and "baseline value is nan" in text
    assert [(c.get("classname"), c.get("name")) for c in failed] == [
        ("bright brightness=0.5", "samples_per_s")
    ]


def test_cells_and_metrics_missing_from_either_side_fail():
    extra = snapshot(
        cell(fd=metric(), kd=metric(), samples_per_s=GOOD.cells[0].metrics["samples_per_s"]),
        cell("added", fd=metric()),
    )
    result = compare_runs(GOOD, extra, GateSpec())
    rows = {(c.cell, c.metric): c for c in result.comparisons}
    assert rows["added", "*"].status is Status.NO_BASELINE  # a model new in this pull request
    assert rows["m", "kd"].status is Status.NO_BASELINE  # a metric new in the suite
    assert "bench baseline accept" in rows["added", "*"].note
    assert result.exit_code == 1
    backwards = compare_runs(extra, GOOD, GateSpec())
    assert {(c.cell, c.metric, c.status) for c in backwards.comparisons if c.status != "pass"} == {
        ("added", "*", Status.MISSING),
        ("m", "kd", Status.MISSING),
    }


def test_the_direction_comes_from_this_runs_metric_not_the_baseline_file():
    worse = snapshot(cell(fd=metric(20.0), samples_per_s=GOOD.cells[0].metrics["samples_per_s"]))
    flipped = snapshot(
        cell(
            fd=metric(higher_is_better=True),
            samples_per_s=GOOD.cells[0].metrics["samples_per_s"],
        )
    )
    row = next(c for c in compare_runs(flipped, worse, GateSpec()).comparisons if c.metric == "fd")
    assert row.status is Status.ERROR and "the baseline says higher is better" in row.note
    unknown = snapshot(cell(fd=metric(20.0, higher_is_better=None)))
    row = compare_runs(GOOD, unknown, GateSpec(ignore=["samples_per_s"])).comparisons[0]
    assert row.status is Status.ERROR and "states no direction" in row.note
    stated = GateSpec(
        ignore=["samples_per_s"], tolerances={"fd": {"rel": 0.05, "direction": "lower_is_better"}}
    )
    assert compare_runs(GOOD, unknown, stated).comparisons[0].status is Status.REGRESSED


def test_a_gate_that_compared_no_metric_fails():
    result = compare_runs(GOOD, GOOD, GateSpec(ignore=["fd", "samples_per_s"]))
    assert [(c.cell, c.status) for c in result.comparisons] == [(RUN_ROW, Status.FAILED)]
    assert "no metric was compared" in result.comparisons[0].note and result.exit_code == 1
    assert compare_runs(GOOD, GOOD, GateSpec()).exit_code == 0


def test_a_failed_cell_on_either_side_fails():
    failed = snapshot(cell(status="failed"))
    for baseline, current in ((failed, GOOD), (GOOD, failed)):
        result = compare_runs(baseline, current, GateSpec())
        assert [c.status for c in result.comparisons] == [Status.FAILED]
        assert "RuntimeError: boom" in result.comparisons[0].note


def test_a_partial_run_fails_even_where_its_cells_pass():
    partial = dataclasses.replace(GOOD, partial="run interrupted, 1 of 3 planned cells stored")
    result = compare_runs(GOOD, partial, GateSpec())
    assert result.comparisons[0].cell == RUN_ROW and result.comparisons[0].status is Status.FAILED
    assert "1 of 3 planned cells" in result.comparisons[0].note and result.exit_code == 1


# -- baseline files from outside ------------------------------------------------------------


BAD_BASELINES = {
    "array": (b"[]", "holds a JSON array, not an object"),
    "cells-not-objects": (None, "cells[0]: Input should be an object (found 5)"),
    "string-value": (None, "cells[0].metrics.samples_per_s.value: Input should be a valid"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text (byte 0x89 at offset 0)"),
    "latin-1": ('{"suite": "café"}'.encode("latin-1"), "not UTF-8 text (byte 0xe9"),
    "broken-json": (b'{"format": "benchbench.baseline/1",\n oops}', ":2: not valid JSON"),
    "deep": (b"[" * 100_000, "JSON nested too deeply"),
    "other-format": (b'{"format": "x"}', "is not a benchbench.baseline/1 file"),
}


@pytest.mark.parametrize("case", BAD_BASELINES)
def test_a_bad_baseline_file_is_an_error_naming_it(case, accepted, write_suite, tmp_path):
    content, message = BAD_BASELINES[case]
    payload = json.loads(accepted.to_json())
    if case == "cells-not-objects":
        payload["cells"][0] = 5
    if case == "string-value":
        payload["cells"][0]["metrics"]["samples_per_s"]["value"] = "1e9"
    path = tmp_path / "bad.json"
    path.write_bytes(content or json.dumps(payload).encode())
    result = gate(write_suite(noise_suite()), path, tmp_path)
    assert result.exit_code == 2, result.output
    assert f"error: {path}" in result.output.replace("\n", "") and message in result.output
    text, failed = reports(tmp_path)
    assert escape(message) in text and len(failed) == 1


def test_a_directory_as_the_baseline_says_so(write_suite, tmp_path):
    result = gate(write_suite(noise_suite()), tmp_path, tmp_path)
    assert result.exit_code == 2 and f"baseline {tmp_path} is a directory" in result.output


def test_a_baseline_written_by_this_version_reads_back_equal(accepted, tmp_path):
    path = write_baseline(accepted, tmp_path / "b.json")
    assert read_baseline(path) == accepted
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # saved by an editor that adds a BOM
    assert read_baseline(path) == accepted


# -- reports that are safe wherever they are shown ------------------------------------------

HOSTILE = "<img src=x onerror=alert(1)> **bold** | [link](javascript:x) `code`\r\n# heading"


def hostile_result() -> GateResult:
    base = snapshot(cell(HOSTILE, fd=metric()))
    current = dataclasses.replace(base, run_id="<b>r</b>")
    rows = [
        Comparison(HOSTILE, HOSTILE, Status.FAILED, note=f"RuntimeError: {HOSTILE}\x1b[31m\x00"),
        Comparison("ok", "fd", Status.PASS, 1.0, 1.0, 0.1),
    ]
    return GateResult("<script>alert(1)</script>", rows, base, current)


def test_gate_markdown_shares_the_report_escaping_and_keeps_user_text_literal():
    from benchbench.gate import output as gate_output
    from benchbench.report import markdown as report_markdown

    assert gate_output.escape is report_markdown.escape  # one function, not two copies
    text = markdown(hostile_result())
    assert "<" not in text and "\r" not in text and "\x1b" not in text and "\x00" not in text
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 4  # header, rule, two rows: no row broken by the text in it
    unescaped_pipes = [line.replace("\\|", "").count("|") for line in table]
    assert unescaped_pipes == [10, 10, 10, 10]
    assert "\\*\\*bold\\*\\*" in text and "\\[link\\](javascript:x)" in text


def test_junit_is_well_formed_whatever_the_messages_hold():
    root = ET.fromstring(junit_xml(hostile_result()))
    failure = root.find("testsuite/testcase/failure")
    assert HOSTILE.replace("\r\n", "\n") in failure.text  # XML reads a line break as \n
    assert "\x00" not in failure.text and "\ufffd" in failure.text
