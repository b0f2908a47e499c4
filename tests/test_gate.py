"""The regression gate: pass, regression, improvement, signature errors, other devices, JUnit."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import pytest
import torch
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.gate.baseline import BaselineError, read_baseline, snapshot_run, write_baseline
from benchbench.gate.compare import Status, compare_runs
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from benchbench.suite.schema import GateSpec, Tolerance
from tests.support.suites import noise_suite

runner = CliRunner()


def gate_suite(marker, **overrides):
    models = [
        {
            "name": "oracle",
            "adapter": "tests.support.fake_models:digits_unless",
            "params": {"degraded_if": str(marker)},
        },
        {"name": "noise", "adapter": "tests.support.fake_models:noise"},
    ]
    return noise_suite(
        models=models,
        metrics=["fd", "kd"],
        sampling={"num_samples": 160, "batch_size": 80},
        bootstrap={"resamples": 100},
        # Timings on a shared 2-core runner are noise here; the device test still sees them.
        gate={"tolerances": {"samples_per_s": {"rel": 100.0}}},
        **overrides,
    )


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """A suite and its first run, accepted as baseline (run once for this module)."""
    root = tmp_path_factory.mktemp("gate")
    marker = root / "degrade"
    path = root / "suite.yaml"
    path.write_text(yaml.safe_dump(gate_suite(marker)))
    with pytest.MonkeyPatch.context() as patch, Store(root / "base.duckdb") as store:
        patch.setenv("BENCHBENCH_CACHE_DIR", str(root / "feature-cache"))
        snapshot = snapshot_run(store, run_suite(load_suite(path), store).run_id)
    return path, snapshot, marker


@pytest.fixture
def baseline(accepted, tmp_path):
    """This test's copy of the baseline file; the marker that degrades the oracle is removed
    after the test."""
    path, snapshot, marker = accepted
    yield path, write_baseline(snapshot, tmp_path / "baselines" / "test.json"), marker
    marker.unlink(missing_ok=True)


def gate(path, baseline_path, db, *extra):
    return runner.invoke(
        app, ["gate", str(path), "--baseline", str(baseline_path), "--db", str(db), "-q", *extra]
    )


def test_baseline_round_trips(baseline):
    _, baseline_path, _ = baseline
    snapshot = read_baseline(baseline_path)
    assert [c.model for c in snapshot.cells] == ["oracle", "noise"]
    fd = snapshot.cells[0].metrics["fd"]
    assert fd.ci_low < fd.value < fd.ci_high and fd.ci_level == 0.95 and fd.n == 160
    assert len(snapshot.cells[0].metrics["samples_per_s"].samples) >= 2
    assert snapshot.environment["device_name"]


def test_unchanged_model_passes(baseline, tmp_path):
    path, baseline_path, _ = baseline
    result = gate(path, baseline_path, tmp_path / "pr.duckdb", "--junit", str(tmp_path / "j.xml"))
    assert result.exit_code == 0, result.output
    assert "passed" in result.output and "regressed" not in result.output.split("\n", 3)[2]


def test_degraded_model_fails_with_a_table_that_names_it(baseline, tmp_path):
    path, baseline_path, marker = baseline
    marker.write_text("")
    junit = tmp_path / "gate.xml"
    md = tmp_path / "gate.md"
    result = gate(
        path, baseline_path, tmp_path / "pr.duckdb", "--junit", str(junit), "--markdown", str(md)
    )
    assert result.exit_code == 1, result.output
    regressed = [line for line in md.read_text().splitlines() if "❌ regressed" in line]
    assert any(line.startswith("| oracle") and "| fd |" in line for line in regressed)
    assert not any(line.startswith("| noise") for line in regressed)

    tree = ET.parse(junit).getroot().find("testsuite")
    cases = tree.findall("testcase")
    assert int(tree.get("tests")) == len(cases) > 0
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(tree.get("failures")) == len(failures) >= 2  # fd and kd of the oracle
    assert {c.get("classname") for c in failures} == {f"oracle degraded_if={marker}"}


def test_improvement_passes_and_is_reported(baseline, tmp_path, write_suite):
    path, _, marker = baseline
    marker.write_text("")  # baseline taken from the degraded model...
    with Store(tmp_path / "bad.duckdb") as store:
        snapshot = snapshot_run(store, run_suite(load_suite(path), store).run_id)
    bad_baseline = write_baseline(snapshot, tmp_path / "bad.json")
    marker.unlink()  # ...then the pull request fixes it
    result = gate(path, bad_baseline, tmp_path / "pr.duckdb")
    assert result.exit_code == 0, result.output
    assert "🟢 improved" in result.output


def test_signature_mismatch_exits_2(baseline, tmp_path):
    path, baseline_path, _ = baseline
    payload = json.loads(baseline_path.read_text())
    payload["cells"][0]["metrics"]["fd"]["signature_hash"] = "0000000000000000"
    baseline_path.write_text(json.dumps(payload))
    result = gate(path, baseline_path, tmp_path / "pr.duckdb")
    assert result.exit_code == 2, result.output
    assert "signature differs" in result.output


def test_timing_is_compared_only_between_cells_on_the_same_device(baseline, tmp_path):
    """Each cell's own device counts (a cluster run mixes machines): the oracle was measured
    on a GPU in the baseline, the noise model on this machine."""
    path, baseline_path, _ = baseline
    snapshot = read_baseline(baseline_path)
    oracle, noise = snapshot.cells
    assert oracle.device_name == snapshot.device_name  # recorded per cell
    moved = dataclasses.replace(oracle, device_name="NVIDIA H100 80GB HBM3")
    write_baseline(dataclasses.replace(snapshot, cells=[moved, noise]), baseline_path)
    result = gate(path, baseline_path, tmp_path / "pr.duckdb")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if r"| samples\_per\_s |" in line]
    assert len(lines) == 2
    assert "not comparable" in lines[0] and "H100" in lines[0]
    assert "not comparable" not in lines[1] and lines[1].startswith("| noise")


def test_a_baseline_without_cell_devices_falls_back_to_its_run_device(baseline, tmp_path):
    path, baseline_path, _ = baseline
    payload = json.loads(baseline_path.read_text())
    payload["environment"]["device_name"] = "NVIDIA H100 80GB HBM3"
    for cell in payload["cells"]:
        del cell["device_name"]  # a baseline written before cells recorded their device
    baseline_path.write_text(json.dumps(payload))
    result = gate(path, baseline_path, tmp_path / "pr.duckdb")
    lines = [line for line in result.output.splitlines() if r"| samples\_per\_s |" in line]
    assert len(lines) == 2 and all("not comparable" in line for line in lines)


def test_missing_baseline_and_wrong_suite_exit_2(write_suite, tmp_path, baseline):
    path, baseline_path, _ = baseline
    result = gate(path, tmp_path / "none.json", tmp_path / "pr.duckdb")
    assert result.exit_code == 2 and "bench baseline accept" in result.output
    other = write_suite(noise_suite(name="other"), name="other.yaml")
    result = gate(other, baseline_path, tmp_path / "pr.duckdb")
    assert result.exit_code == 2 and "not 'other'" in result.output
    with pytest.raises(BaselineError):
        read_baseline(write_suite("{}", name="bad.json"))


def test_tolerance_and_significance_rules(baseline):
    """Beyond tolerance but inside the noise passes; a tight tolerance alone can't fail a noisy
    metric; an absolute bound widens the relative one."""
    _, baseline_path, _ = baseline
    snapshot = read_baseline(baseline_path)
    oracle = snapshot.cells[0]
    fd = oracle.metrics["fd"]
    width = fd.ci_high - fd.ci_low

    def shifted(delta: float):
        metric = dataclasses.replace(
            fd, value=fd.value + delta, ci_low=fd.ci_low + delta, ci_high=fd.ci_high + delta
        )
        cell = dataclasses.replace(oracle, metrics={**oracle.metrics, "fd": metric})
        return dataclasses.replace(snapshot, cells=[cell, *snapshot.cells[1:]])

    def status(delta: float, spec: GateSpec):
        result = compare_runs(snapshot, shifted(delta), spec)
        return next(
            c for c in result.comparisons if c.cell.startswith("oracle") and c.metric == "fd"
        )

    tight = GateSpec(tolerances={"fd": Tolerance(rel=0.0)})
    small = status(0.1 * width, tight)
    assert small.status is Status.PASS and "not significant" in small.note
    assert status(3 * width, tight).status is Status.REGRESSED
    assert status(-3 * width, tight).status is Status.IMPROVED
    loose = GateSpec(tolerances={"fd": Tolerance(rel=0.0, abs=4 * width)})
    assert status(3 * width, loose).status is Status.PASS


def test_unknown_gated_metric_is_a_suite_error(write_suite, tmp_path):
    suite = noise_suite(gate={"tolerances": {"samples_per_sec": {"rel": 0.1}}, "ignore": ["fid"]})
    result = runner.invoke(app, ["run", str(write_suite(suite)), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "gate.tolerances.samples_per_sec: no metric 'samples_per_sec'" in result.output
    assert "did you mean 'samples_per_s'?" in result.output
    assert "gate.ignore[0]: no metric 'fid'" in result.output


def test_ignored_metrics_are_not_gated(baseline):
    _, baseline_path, _ = baseline
    snapshot = read_baseline(baseline_path)
    result = compare_runs(snapshot, snapshot, GateSpec(ignore=["samples_per_s", "kd"]))
    assert {c.metric for c in result.comparisons} == {"fd"}
    assert result.exit_code == 0


@pytest.mark.slow
def test_damaged_zoo_checkpoint_fails_the_gate(tmp_path, write_suite):
    """A pull request that damages real weights: the zoo GAN with noise added to every
    weight tensor regresses FD and KD against the baseline of the shipped checkpoint."""
    from benchbench.nets.checkpoint import load_checkpoint, save_checkpoint
    from benchbench.zoo import weights_path

    weights = tmp_path / "gan.pt"
    shipped = load_checkpoint(weights_path("dcgan-digits"))
    save_checkpoint(weights, shipped.build(), shipped.arch, shipped.config)
    gan = {"name": "gan", "adapter": "gan", "weights": str(weights)}
    path = write_suite(
        noise_suite(
            models=[gan],
            metrics=["fd", "kd"],
            sampling={"num_samples": 256, "batch_size": 128},
            bootstrap={"resamples": 100},
            gate={"ignore": ["samples_per_s", "cpu_peak_rss"]},
        )
    )
    with Store(tmp_path / "base.duckdb") as store:
        snapshot = snapshot_run(store, run_suite(load_suite(path), store).run_id)
    baseline_path = write_baseline(snapshot, tmp_path / "baseline.json")
    assert gate(path, baseline_path, tmp_path / "same.duckdb").exit_code == 0

    damaged = shipped.build()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in (p for p in damaged.parameters() if p.numel() > 1):
            noise = torch.randn(parameter.shape, generator=generator)
            parameter.add_(0.5 * parameter.std() * noise)
    save_checkpoint(weights, damaged, shipped.arch, shipped.config)
    result = gate(path, baseline_path, tmp_path / "pr.duckdb", "--markdown", str(tmp_path / "g.md"))
    assert result.exit_code == 1, result.output
    regressed = {
        line.split("|")[2].strip()
        for line in (tmp_path / "g.md").read_text().splitlines()
        if "❌ regressed" in line
    }
    assert regressed == {"fd", "kd"}
