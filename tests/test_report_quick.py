"""The leaderboard of a real `suites/quick.yaml` run on the embedded zoo, in Chromium."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from benchbench.cli.app import app
from tests.support.suites import QUICK, missing_zoo_weights

pytest_plugins = ("tests.support.browser",)

runner = CliRunner()


@pytest.mark.slow
def test_quick_suite_report_in_chromium(browser, tmp_path):
    missing = missing_zoo_weights()
    if missing:
        pytest.skip(f"zoo weights not trained yet: {', '.join(missing)} (bench zoo train NAME)")
    db, out = tmp_path / "bench.duckdb", tmp_path / "site"
    ran = runner.invoke(app, ["run", str(QUICK), "--db", str(db), "-q"])
    assert ran.exit_code == 0, ran.output
    built = runner.invoke(app, ["report", "--db", str(db), "--out", str(out)])
    assert built.exit_code == 0, built.output
    index = out / "index.html"
    assert list((out / "assets" / "plots").glob("quick-steps-*.svg"))  # ddpm steps sweep

    from selenium.webdriver.common.by import By

    browser.open(index)
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "table.leaderboard tbody tr")
    models = sorted(r.find_element(By.CSS_SELECTOR, "td.model").text for r in rows)
    assert models == ["dcgan", "ddpm", "ddpm", "pixelcnn", "vae"]
    families = browser.driver.find_elements(By.CSS_SELECTOR, "table.families tbody tr")
    assert len(families) == 4  # gan, vae, diffusion, autoregressive
    assert browser.broken_links(index) == []
    assert browser.console_errors() == []
