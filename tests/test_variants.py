"""Speed variants (compile, channels-last, autocast, CUDA graphs) as a model's ``variant:``
sweep: each variant is its own cell with its own key, compile time is stored apart from
the steady figures, the roofline counts the eager work, and a variant the device cannot
run is a failed cell with its reason."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.metrics.stats import BootstrapSpec, bootstrap_median_interval, bootstrap_medians
from benchbench.report.speedup import median_ratio, run_speedups
from benchbench.run import variant as variant_module
from benchbench.run.driver import run_suite
from benchbench.run.plan import plan_cells
from benchbench.run.variant import GraphCacheCounts, cache_state
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.fake_models import ConvImages
from tests.support.suites import VALID, noise_suite, problems_of

CONV = "tests.support.fake_models:ConvImages"
LINEAR = "tests.support.fake_models:LinearImages"


def conv_suite(variant: dict, adapter: str = CONV, **overrides) -> dict:
    return noise_suite(
        models=[{"name": "conv", "adapter": adapter, "variant": variant}], **overrides
    )


def run_cells(write_suite, tmp_path, suite: dict, db: str = "bench.duckdb") -> dict[str, dict]:
    """Each cell's label → status, error, measurements (name → row) and timing phases."""
    with Store(tmp_path / db) as store:
        run_suite(load_suite(write_suite(suite)), store)
        cells = store.query("SELECT cell_id, suite_params, status, error FROM cells")
        rows = store.query("SELECT cell_id, metric, label, value, signature FROM measurements")
        phases = store.query("SELECT cell_id, phase FROM timing_samples")
    found = {}
    for cell in cells.itertuples():
        label = " ".join(f"{k}={v}" for k, v in eval_json(cell.suite_params).items())
        found[label or "eager"] = {
            "status": cell.status,
            "error": cell.error,
            "rows": {r.metric: r for r in rows.itertuples() if r.cell_id == cell.cell_id},
            "phases": {p.phase for p in phases.itertuples() if p.cell_id == cell.cell_id},
        }
    return found


def eval_json(text: str | dict) -> dict:
    import json

    return text if isinstance(text, dict) else json.loads(text)


@pytest.fixture
def eager_backend(monkeypatch):
    """torch.compile's plumbing (dynamo) without a C++ compiler: the eager backend."""
    monkeypatch.setattr(variant_module, "COMPILE_BACKEND", "eager")


def test_each_variant_is_a_cell_whose_key_includes_it_and_eager_keys_stay(write_suite):
    plain = plan_cells(load_suite(write_suite(conv_suite({}), "a.yaml")), torch.device("cpu"))
    swept = conv_suite({"compile": [False, "default"], "memory_format": "channels_last"})
    cells = plan_cells(load_suite(write_suite(swept, "b.yaml")), torch.device("cpu"))
    assert [c.suite_params for c in cells] == [
        {"memory_format": "channels_last"},
        {"compile": "default", "memory_format": "channels_last"},
    ]
    assert [c.label for c in cells] == [
        "conv memory_format=channels_last",
        "conv compile=default memory_format=channels_last",
    ]
    assert len({plain[0].key, *(c.key for c in cells)}) == 3
    eager = conv_suite({"compile": "off", "autocast": "off"})  # spelled out: still eager
    (same,) = plan_cells(load_suite(write_suite(eager, "c.yaml")), torch.device("cpu"))
    assert same.key == plain[0].key and same.suite_params == {}


def test_bare_off_in_yaml_means_off_and_bad_variants_name_their_line(write_suite):
    text = VALID + "    variant:\n      compile: [off, max-autotune]\n      autocast: off\n"
    (model,) = load_suite(write_suite(text)).suite.models
    assert [v.compile for v in model.variant.combos()] == ["off", "max-autotune"]
    bad = VALID + "    variant:\n      compile: fast\n      memory_format: []\n"
    first, second = problems_of(write_suite, bad)
    assert "suite.yaml:16: models[0].variant.compile[0]:" in first and "'fast'" in first
    assert "suite.yaml:17: models[0].variant.memory_format:" in second


def test_compiled_cell_stores_compile_time_apart_and_roofline_of_eager_work(
    write_suite, tmp_path, eager_backend
):
    suite = conv_suite({"compile": ["off", "default"]}, roofline="always")
    cells = run_cells(write_suite, tmp_path, suite)
    eager, compiled = cells["eager"], cells["compile=default"]
    assert eager["status"] == compiled["status"] == "complete"
    assert "compile_s" not in eager["rows"] and "compile" not in eager["phases"]
    assert compiled["rows"]["compile_s"].value > 0
    assert compiled["rows"]["compile_s"].label == "no cache"  # the eager backend looks none up
    assert compiled["phases"] == {"load", "compile", "first", "steady"}
    for cell in (eager, compiled):
        assert cell["rows"]["flops_per_sample"].value == ConvImages.flops_per_sample


def test_variants_the_device_cannot_run_are_failed_cells_with_reasons(
    write_suite, tmp_path, monkeypatch
):
    monkeypatch.setattr(variant_module, "autocast_supported", lambda dtype, device: False)
    suite = noise_suite(
        models=[
            {"name": "graphs", "adapter": CONV, "variant": {"cuda_graphs": True}},
            {"name": "half", "adapter": CONV, "variant": {"autocast": "fp16"}},
            {"name": "linear", "adapter": LINEAR, "variant": {"memory_format": "channels_last"}},
            {"name": "fine", "adapter": CONV},
        ]
    )
    cells = run_cells(write_suite, tmp_path, suite)
    assert cells["eager"]["status"] == "complete"  # the others' failures cost it nothing
    errors = {label: cell["error"] for label, cell in cells.items() if label != "eager"}
    assert all(cells[label]["status"] == "failed" for label in errors)
    assert "cuda_graphs is not supported on this device/adapter (cpu)" in errors["cuda_graphs=True"]
    assert "autocast fp16: this cpu device has no native fp16" in errors["autocast=fp16"]
    assert "no 4-D weights" in errors["memory_format=channels_last"]


def test_a_compile_that_fails_is_a_failed_cell(write_suite, tmp_path, monkeypatch):
    monkeypatch.setattr(variant_module, "COMPILE_BACKEND", "no-such-backend")
    cells = run_cells(write_suite, tmp_path, conv_suite({"compile": "default"}))
    assert cells["compile=default"]["status"] == "failed"
    assert "no-such-backend" in cells["compile=default"]["error"]


@pytest.mark.skipif(
    not variant_module.autocast_supported(torch.bfloat16, torch.device("cpu")),
    reason="this CPU has no native bf16",
)
def test_autocast_cell_runs_and_its_roofline_is_at_the_autocast_dtype(write_suite, tmp_path):
    cells = run_cells(write_suite, tmp_path, conv_suite({"autocast": "bf16"}, roofline="always"))
    cell = cells["autocast=bf16"]
    assert cell["status"] == "complete", cell["error"]
    assert '"dtype": "bfloat16"' in str(cell["rows"]["flops_per_sample"].signature)


def test_compile_cache_state_says_whether_inductor_built_or_loaded_the_graphs():
    counts = GraphCacheCounts
    assert cache_state(counts(3, 1), counts(3, 3)) == "cold"
    assert cache_state(counts(3, 1), counts(5, 1)) == "warm"
    assert cache_state(counts(3, 1), counts(4, 2)) == "partly warm"
    assert cache_state(counts(3, 1), counts(3, 1)) == "no cache"


@pytest.mark.slow
def test_inductor_compiles_a_real_cell_cold_then_warm_from_its_cache(
    write_suite, tmp_path, monkeypatch
):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor-cache"))
    suite = conv_suite({"compile": "default", "memory_format": "channels_last"})
    label = "compile=default memory_format=channels_last"
    first = run_cells(write_suite, tmp_path, suite, "first.duckdb")[label]
    assert first["status"] == "complete", first["error"]
    assert first["rows"]["compile_s"].value > first["rows"]["latency_median_s"].value
    assert first["rows"]["compile_s"].label == "cold"
    again = run_cells(write_suite, tmp_path, suite, "again.duckdb")[label]  # a fresh store
    assert again["status"] == "complete", again["error"]
    assert again["rows"]["compile_s"].label == "warm"


def test_speed_up_is_the_ratio_of_median_latencies_with_an_interval(
    write_suite, tmp_path, eager_backend
):
    spec = BootstrapSpec(resamples=200, confidence=0.95, seed=0)
    ratio = median_ratio([2.0, 2.2, 1.8, 2.0], [1.0, 1.1, 0.9, 1.0], spec)
    assert ratio.value == 2.0 and ratio.ci_low < 2.0 < ratio.ci_high
    suite = noise_suite(
        models=[
            {"name": "conv", "adapter": CONV, "variant": {"compile": ["off", "default"]}},
            {"name": "conv-bf16", "adapter": CONV, "variant": {"autocast": "bf16"}},
            {"name": "linear", "adapter": LINEAR},  # another model: no twin of conv's variants
        ]
    )
    with Store(tmp_path / "bench.duckdb") as store:
        result = run_suite(load_suite(write_suite(suite)), store)
        speedups = run_speedups(store, result.run_id, spec)
        complete = {c.position for c in store.run_cells(result.run_id) if c.status == "complete"}
        steady = store.run_steady_timings(result.run_id).groupby("position")["seconds"]
    assert set(speedups) == {1, 2} & complete  # the compiled cell and bf16 (where it ran)
    assert speedups[1] == median_ratio(list(steady.get_group(0)), list(steady.get_group(1)), spec)


def test_latency_intervals_and_speed_ups_share_one_median_bootstrap_with_unchanged_values():
    """One ``bootstrap_medians`` serves both; the figures are those the two copies gave."""
    eager = [0.101, 0.098, 0.105, 0.099, 0.120, 0.097, 0.102]
    variant = [0.051, 0.049, 0.060, 0.050, 0.052]
    spec = BootstrapSpec(resamples=500, confidence=0.9, seed=3)
    rng = np.random.default_rng(3)
    medians = bootstrap_medians(eager, 500, rng)
    assert medians.shape == (500,) and set(medians) <= set(eager)
    assert bootstrap_median_interval(eager, spec) == (0.098, 0.105)
    ratio = median_ratio(eager, variant, spec)
    assert (ratio.value, ratio.ci_low, ratio.ci_high, ratio.n) == pytest.approx(
        (1.9803921568627454, 1.75, 2.081632653061224, 5), rel=1e-15
    )


def test_shipped_variant_suites_pair_every_variant_with_an_eager_cell():
    from tests.support import REPO

    for name in ("variants", "variants-text", "variants-overhead"):
        cells = plan_cells(load_suite(REPO / "suites" / f"{name}.yaml"), torch.device("cpu"))
        eager = {(c.model.weights, str(c.params)) for c in cells if not c.variant.settings()}
        variants = [c for c in cells if c.variant.settings()]
        assert variants and all((c.model.weights, str(c.params)) in eager for c in variants)


def test_report_shows_each_variant_cell_s_speed_up_and_compile_seconds_beside_eager(
    write_suite, tmp_path, eager_backend
):
    from typer.testing import CliRunner

    from benchbench.cli.app import app
    from benchbench.report import format as fmt
    from benchbench.report.data import load_run
    from benchbench.report.leaderboard import build_leaderboard
    from benchbench.report.markdown import escape_ci

    suite = noise_suite(
        models=[
            {"name": "conv", "adapter": CONV, "variant": {"compile": ["off", "default"]}},
            {"name": "conv-cl", "adapter": CONV, "variant": {"memory_format": "channels_last"}},
        ]
    )
    db = tmp_path / "bench.duckdb"
    with Store(db) as store:
        run_id = run_suite(load_suite(write_suite(suite)), store).run_id
        speedups = run_speedups(store, run_id)  # what bench run's table shows
        board = build_leaderboard(load_run(store, run_id))
    titles = [c.title for c in board.columns]
    shown = {
        row.cell.label: {
            t: f"{e.text} {e.interval}".strip() for t, e in zip(titles, row.entries, strict=True)
        }
        for row in board.rows
    }
    at = {row.cell.label: row.cell.summary.position for row in board.rows}
    assert set(speedups) == {at["conv compile=default"], at["conv-cl memory_format=channels_last"]}
    for label, position in at.items():
        expected = fmt.with_interval(speedups[position], "×") if position in speedups else "–"
        assert shown[label]["speed-up over eager"] == expected
    assert (
        shown["conv"]["compile"] == shown["conv-cl memory_format=channels_last"]["compile"] == "–"
    )
    assert shown["conv compile=default"]["compile"].startswith("no cache (")  # eager backend

    runner = CliRunner()
    markdown = tmp_path / "summary.md"
    for args in (["--format", "markdown", "--out", str(markdown)], ["--out", str(tmp_path)]):
        result = runner.invoke(app, ["report", "--db", str(db), *args])
        assert result.exit_code == 0, result.output
    text = markdown.read_text()
    assert "| speed-up over eager ↑ |" in text and "speed-up over eager: a variant" in text
    compiled = next(line for line in text.splitlines() if "compile=default" in line)
    assert escape_ci(fmt.with_interval(speedups[at["conv compile=default"]], "×")) in compiled
    html = (tmp_path / "index.html").read_text()
    assert "speed-up over eager" in html and "inductor&#39;s" in html
