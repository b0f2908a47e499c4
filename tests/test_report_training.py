"""`bench report` on a training run: seed bands over training, the stability table, the
grids of a collapsed run beside a healthy one, the Markdown, and the page in Chromium."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.report.data import load_run
from benchbench.report.leaderboard import build_leaderboard
from benchbench.report.summary import Value
from benchbench.report.training import (
    TrainingSpec,
    block_bands,
    checkpoint_bands,
    grid_pairs,
    is_stability,
)
from benchbench.report.training_page import stability_table
from benchbench.store.runs import Store
from tests.support.training_run import SEEDS, SETTINGS, STEPS, SUITE, write_training_run

pytest_plugins = ("tests.support.browser",)
runner = CliRunner()
FRAGILE = "dcgan-fragile lr=0.002 batch_norm=False"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("training") / "bench.duckdb"
    with Store(path) as store:
        write_training_run(store)
    return path


@pytest.fixture(scope="module")
def run(store_path):
    with Store(store_path, read_only=True) as store:
        return load_run(store, store.latest_run_id("training"))


@pytest.fixture(scope="module")
def site(store_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = runner.invoke(app, ["report", "--db", str(store_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "index.html"


def test_quality_bands_are_the_median_and_range_over_seeds_at_each_step(run, store_path):
    with Store(store_path, read_only=True) as store:
        raw = store.run_training_checkpoints(run.run_id)
    fd = raw[raw["metric"] == "fd"]
    bands = checkpoint_bands(run, "fd")
    assert list(bands) == ["ddpm", "dcgan", FRAGILE]  # by family, so a family's settings meet
    for setting in SETTINGS:
        band = bands[
            f"{setting.name} {' '.join(f'{k}={v}' for k, v in setting.hyper.items())}".strip()
        ]
        mine = fd[fd["model_name"] == setting.name]
        assert band.x == list(STEPS) and band.seeds == [SEEDS] * len(STEPS)
        for i, step in enumerate(STEPS):
            values = mine[mine["step"] == step]["value"].to_numpy()
            assert len(values) == SEEDS
            assert band.median[i] == pytest.approx(np.median(values), abs=0, rel=1e-12)
            assert (band.low[i], band.high[i]) == (np.min(values), np.max(values))


def test_time_bands_sit_at_the_median_training_seconds(run):
    band = checkpoint_bands(run, "fd", x="train_seconds")["dcgan"]
    # the fixture's seed s reaches step k after 0.1 k + s seconds
    assert band.x == pytest.approx([np.median([0.1 * k + s for s in range(SEEDS)]) for k in STEPS])


def test_loss_bands_follow_the_blocks_means(run):
    band = block_bands(run, "loss/g")["dcgan"]
    assert band.x[0] == 50 and band.x[-1] == STEPS[-1]
    means = [1.0 + s + 50 / 100 for s in range(SEEDS)]  # the fixture's first block
    assert (band.median[0], band.low[0], band.high[0]) == (np.median(means), min(means), max(means))


def test_a_diverged_seed_leaves_later_points_to_the_others(run):
    """A seed stopped early has no late checkpoint: those points summarise fewer seeds."""
    early = run.checkpoints[
        ~((run.checkpoints["model_name"] == "ddpm") & (run.checkpoints["seed"] == 0))
        | (run.checkpoints["step"] == 0)
    ]
    shorter = dataclasses.replace(run, checkpoints=early)
    band = checkpoint_bands(shorter, "fd")["ddpm"]
    assert band.seeds == [SEEDS, SEEDS - 1, SEEDS - 1]


def test_stability_table_has_a_row_per_setting_in_the_design_order(run):
    table = stability_table(run, TrainingSpec.of(run.suite))
    assert [r.cell.label for r in table.rows] == ["dcgan", FRAGILE, "ddpm"]
    assert [c.key for c in table.columns][:5] == [
        "final_fd_median",
        "final_fd_std",
        "final_fd_iqr",
        "divergence_rate",
        "collapse_rate",
    ]
    assert {r.seeds for r in table.rows} == {SEEDS}
    fragile = table.rows[1].entries[[c.key for c in table.columns].index("collapse_rate")]
    assert fragile.text == "0.667" and fragile.interval == "[0.167–1]"
    assert "recall < 0.1 or coverage < 0.1" in table.definitions["collapse_rate"]


def test_definitions_read_the_suites_thresholds():
    spec = TrainingSpec.of(
        {**SUITE, "training": {**SUITE["training"], "collapse": {"recall": 0.3}}}
    )
    assert spec.definitions("FD")["collapse_rate"].endswith("at its last checkpoint recall < 0.3")
    unstated = TrainingSpec.of({"metrics": ["fd"]}).definitions("FD")
    assert unstated["collapse_rate"].endswith("(the run's suite states no threshold)")
    assert unstated["target_reached_rate"].endswith("(the run's suite states no target)")


def test_stability_cells_stay_out_of_the_per_seed_leaderboard(run):
    board = build_leaderboard(run)
    assert len(board.rows) == SEEDS * len(SETTINGS)
    assert not any(is_stability(r.cell) for r in board.rows)
    assert board.primary.title == "FD[digits-cnn]"  # ranked by the suite's training quality


def test_grids_set_the_worst_collapsed_run_beside_the_best_healthy_one(run):
    [pair] = grid_pairs(run, TrainingSpec.of(run.suite))  # only the GAN family collapsed
    assert pair.left.label == f"{FRAGILE} seed=2"  # collapsed, final FD 260 (seed 0: 220)
    assert pair.right.label == "dcgan seed=0"  # healthy, best final FD 60
    assert pair.steps == [0, 150, 300]
    assert [left.name for _, left, _ in pair.grids] == [f"samples-step-{s:06d}.png" for s in STEPS]


def test_without_a_collapse_the_worst_run_sits_beside_the_best(store_path):
    with Store(store_path, read_only=True) as store:
        run = load_run(store, store.latest_run_id("training"))  # this test's own copy
    for cell in run.cells:
        if "collapsed" in cell.summary.quality:
            cell.summary.quality["collapsed"] = Value(0.0)
    [pair] = grid_pairs(run, TrainingSpec.of(run.suite))
    assert pair.why.startswith("no run collapsed")
    assert (pair.left.label, pair.right.label) == (f"{FRAGILE} seed=2", "ddpm seed=0")


def test_site_has_the_training_section(site):
    html = site.read_text()
    assert 'id="stability-training"' in html and 'id="grids-training"' in html
    table = re.search(r'<table class="sortable stability">(.*?)</table>', html, re.S).group(1)
    assert table.count("<tr data-model=") == len(SETTINGS)
    plots = sorted((site.parent / "assets" / "plots").glob("training-training-*.svg"))
    titles = re.findall(r'<img src="assets/plots/training-training-\d+\.svg" alt="([^"]+)"', html)
    assert titles[:2] == ["FD[digits-cnn] vs training steps", "FD[digits-cnn] vs training seconds"]
    assert {"recall vs training steps", "coverage vs training steps"} <= set(titles)
    assert "loss/g vs training steps (block means)" in titles
    assert len(plots) == len(titles)
    for svg in plots:
        ET.parse(svg)  # well-formed
    assert "median over its 3 seeds" in html
    grids = re.findall(r'<img src="(assets/samples/[0-9a-f]+\.png)" alt="samples of', html)
    assert len(grids) == 6  # 3 checkpoints × 2 runs; the other grids are not in the gallery


def test_markdown_has_the_stability_table(store_path):
    result = runner.invoke(app, ["report", "--db", str(store_path), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "#### Training stability" in text
    assert "| dcgan-fragile lr=0.002 batch\\_norm=False | gan | 3 |" in text
    assert "0.667 \\[0.167–1\\]" in text
    assert "- `collapse_rate`: share of seeds that collapsed" in text


@pytest.mark.slow
def test_training_page_in_chromium(browser, site):
    from selenium.webdriver.common.by import By

    browser.open(site)
    page = browser.driver
    header = page.find_element(
        By.CSS_SELECTOR, "table.stability th[data-column='quality:final_fd_std'] button"
    )
    header.click()  # lower is better: best first
    rows = page.find_elements(By.CSS_SELECTOR, "table.stability tbody tr td.model")
    assert rows[0].text == "ddpm" and rows[-1].text.startswith("dcgan-fragile")
    assert browser.broken_links(site) == []
    assert browser.console_errors() == []


def test_a_stability_time_stored_as_a_speed_measurement_stays_in_the_table(store_path):
    """The run side may store time_to_target_s as kind "speed" (device-bound)."""
    with Store(store_path, read_only=True) as store:
        run = load_run(store, store.latest_run_id("training"))  # this test's own copy
    for cell in filter(is_stability, run.cells):
        cell.summary.speed["time_to_target_s"] = cell.summary.quality.pop("time_to_target_s")
        detail = cell.details["time_to_target_s"]
        cell.details["time_to_target_s"] = dataclasses.replace(detail, kind="speed")
    table = stability_table(run, TrainingSpec.of(run.suite))
    index = [c.key for c in table.columns].index("time_to_target_s")
    assert table.columns[index].group == "speed"
    assert [r.entries[index].text for r in table.rows] == ["20 s"] * len(SETTINGS)
