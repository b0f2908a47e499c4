"""suites/gpu.yaml and suites/gpu-text.yaml load and plan without a GPU; their toy-size
twins mirror them cell for cell and run on the CPU; benchmarks/gpu_vs_bare.py runs --tiny."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from benchbench.adapters.architectures import PRESETS
from benchbench.report.summary import summarize_run
from benchbench.run.driver import run_suite
from benchbench.run.plan import plan_cells
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support import REPO

PAIRS = [("gpu.yaml", "gpu-tiny.yaml"), ("gpu-text.yaml", "gpu-text-tiny.yaml")]


@pytest.mark.parametrize("suite,cells", [("gpu.yaml", 16), ("gpu-text.yaml", 4)])
def test_gpu_suites_plan_full_size_random_cells_on_cuda(suite, cells):
    loaded = load_suite(REPO / "suites" / suite)
    assert loaded.suite.metrics == [] and loaded.suite.device == "cuda"
    planned = plan_cells(loaded, torch.device("cuda"))  # planning needs no GPU
    assert len(planned) == cells
    for cell in planned:
        assert cell.model.init == "random" and cell.weights is None
        assert not cell.model.config.endswith("tiny")
        assert cell.config == PRESETS[cell.model.config].config
        assert "dtype" in cell.params and "dtype" not in cell.call_params
    assert len({c.key for c in planned}) == cells


def test_the_sd15_cells_are_512_pixels_25_and_50_steps_fp16_batch_1_and_4():
    planned = plan_cells(load_suite(REPO / "suites" / "gpu.yaml"), torch.device("cuda"))
    sd = [c for c in planned if c.model.config == "sd15"]
    assert all(c.params["dtype"] == "float16" for c in sd)
    assert all(c.params["height"] == c.params["width"] == 512 for c in sd)
    assert sorted((c.sampling.batch_size, c.params["steps"]) for c in sd) == [
        (1, 25),
        (1, 50),
        (4, 25),
        (4, 50),
    ]


@pytest.mark.parametrize("full,tiny", PAIRS)
def test_tiny_twins_mirror_the_gpu_suites(full, tiny):
    big, small = (load_suite(REPO / "suites" / name).suite for name in (full, tiny))
    assert len(big.models) == len(small.models)
    assert (big.prompts, big.metrics, big.roofline) == (small.prompts, small.metrics, "always")
    for a, b in zip(big.models, small.models, strict=True):
        assert (a.adapter, a.init) == (b.adapter, b.init)
        assert PRESETS[a.config].adapter == PRESETS[b.config].adapter
        assert a.params.keys() == b.params.keys()
        for name, value in a.params.items():  # the same sweeps, at toy values
            assert isinstance(value, list) == isinstance(b.params[name], list)
            if isinstance(value, list):
                assert len(value) == len(b.params[name])


@pytest.mark.slow
def test_the_tiny_gpu_suite_runs_on_the_cpu_with_roofline_and_no_quality(tmp_path):
    loaded = load_suite(REPO / "suites" / "gpu-tiny.yaml")
    with Store(tmp_path / "gpu-tiny.duckdb") as store:
        result = run_suite(loaded, store, device="cpu")
        rows = summarize_run(store, result.run_id)
    assert result.status == "complete", [r.error for r in rows if r.error]
    assert len(rows) == 16
    for row in rows:
        assert row.quality == {}
        assert row.speed["samples_per_s"].value > 0
        assert row.roofline["flops_per_sample"].value > 0


@pytest.mark.slow
def test_gpu_vs_bare_runs_on_a_tiny_suite(tmp_path):
    out = tmp_path / "bare.json"
    script = ["benchmarks/gpu_vs_bare.py", "--json", str(out), "--pairs", "2"]
    script += ["suites/gpu-text-tiny.yaml"]
    done = subprocess.run(
        [sys.executable, *script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "bench/bare" in done.stdout and "median ratio over all cells" in done.stdout
    figures = json.loads(out.read_text())["gpu-text-tiny"]
    assert len(figures["cells"]) == 4
    for cell in figures["cells"]:
        assert cell["bench"] > 0 and cell["bare"] > 0
        assert cell["ratio"] == pytest.approx(cell["bench"] / cell["bare"])
        assert cell["label"] in done.stdout
    # the paired comparison on one loaded model: two ABBA pairs per cell
    assert "harness vs bare, one model" in done.stdout
    assert [cell["label"] for cell in figures["paired"]] == [c["label"] for c in figures["cells"]]
    for cell in figures["paired"]:
        assert len(cell["median_ratios"]) == len(cell["mean_ratios"]) == 2
        assert all(ratio > 0 for ratio in cell["median_ratios"] + cell["mean_ratios"])
