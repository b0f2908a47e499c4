"""The roofline through real cells: FLOPs and bytes per sample against the closed form of a
linear model, achieved FLOP/s against the stored latencies, and the bound label in the
summary, the CLI table and the Markdown report (a synthetic peak stands in for a GPU's)."""

from __future__ import annotations

import statistics

import pytest
import torch

from benchbench.measure import efficiency
from benchbench.measure.roofline import DevicePeak, Work, roofline
from benchbench.report.summary import summarize_run
from benchbench.run.driver import run_suite
from benchbench.run.plan import plan_cells
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.suites import noise_suite

BATCH, Z, PIXELS = 4, 16, 48  # tests.support.fake_models.LinearImages
FLOPS_PER_CALL = 2 * BATCH * Z * PIXELS
BYTES_PER_CALL = 4 * (Z * PIXELS + BATCH * Z + BATCH * PIXELS)  # weight, input, output
PEAK = DevicePeak("test GPU", {torch.float32: 1e9}, 1e9)  # ridge: 1 FLOP per byte


def linear_suite(roofline: str) -> dict:
    return noise_suite(
        roofline=roofline,
        sampling={"num_samples": 8, "batch_size": BATCH},
        models=[{"name": "linear", "adapter": "tests.support.fake_models:LinearImages"}],
    )


def run(write_suite, tmp_path, roofline: str):
    loaded = load_suite(write_suite(linear_suite(roofline)))
    with Store(tmp_path / f"{roofline}.duckdb") as store:
        result = run_suite(loaded, store)
        rows = summarize_run(store, result.run_id)
        steady = store.run_steady_timings(result.run_id)
    assert result.status == "complete", rows[0].error
    return rows[0], list(steady.seconds)


def test_flops_and_bytes_per_sample_are_the_closed_form(write_suite, tmp_path):
    row, steady = run(write_suite, tmp_path, "always")
    assert row.roofline["flops_per_sample"].value == FLOPS_PER_CALL / BATCH
    assert row.roofline["bytes_per_sample"].value == BYTES_PER_CALL / BATCH
    achieved = FLOPS_PER_CALL / statistics.median(steady) / 1e12
    assert row.roofline["achieved_tflops"].value == pytest.approx(achieved, rel=1e-9)
    # The CPU has no datasheet peak: no fractions, no bound.
    assert set(row.roofline) == {"flops_per_sample", "bytes_per_sample", "achieved_tflops"}


def test_auto_counts_on_cuda_only_and_the_key_says_whether_it_counted(write_suite):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert not efficiency.wanted("auto", cpu) and efficiency.wanted("auto", cuda)
    assert efficiency.wanted("always", cpu) and not efficiency.wanted("never", cuda)
    keys = {
        setting: plan_cells(load_suite(write_suite(linear_suite(setting))), cpu)[0].key
        for setting in ("auto", "always", "never")
    }
    assert keys["auto"] == keys["never"] != keys["always"]


def test_a_known_peak_gives_fractions_and_the_bound_everywhere(
    write_suite, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(efficiency, "peak_of", lambda device: PEAK)
    row, steady = run(write_suite, tmp_path, "always")
    expected = roofline(
        Work(FLOPS_PER_CALL, BYTES_PER_CALL), statistics.median(steady), torch.float32, PEAK
    )
    bound = row.roofline["roofline_bound"]
    assert bound.label == expected.bound and bound.label in {"compute", "memory", "overhead"}
    assert bound.value == pytest.approx(expected.roof_utilisation)
    assert row.roofline["peak_flops_fraction"].value == pytest.approx(expected.compute_utilisation)
    assert row.roofline["peak_bandwidth_fraction"].value == pytest.approx(
        expected.memory_utilisation
    )

    from benchbench.cli.run import print_run_table
    from benchbench.report.markdown import render_markdown
    from benchbench.report.site import load_boards

    with Store(tmp_path / "always.duckdb") as store:
        markdown = render_markdown(load_boards(store, None, None))
        print_run_table(store, store.latest_run_id(), "test")
    assert "TFLOP/s" in markdown and "bound" in markdown
    assert f"{expected.bound} (" in markdown
    table = capsys.readouterr().out
    assert "TFLOP/s" in table and expected.bound in table
