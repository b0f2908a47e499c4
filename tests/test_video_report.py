"""The report of a video run: the gallery shows each cell's animated preview (checked in
headless Chromium: the image decodes with its size, and the GIF file holds the clip's 16
frames read with Pillow) and its frame strip; the run's leaderboard carries frames/s and
a quality-vs-frames/s Pareto plot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from benchbench.cli.app import app
from tests.support.suites import video_suite
from tests.support.video_models import registered_motion_frames

pytest_plugins = ("tests.support.browser",)
runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("video-report")
    models = [
        {"name": "replay", "adapter": "video-replay"},
        {"name": "shuffled", "adapter": "video-shuffled"},
        {"name": "square", "adapter": "tests.support.video_models:square"},
    ]
    path = folder / "suite.yaml"
    db = folder / "bench.duckdb"
    with registered_motion_frames() as features:
        suite = video_suite(models, name="video-report", features=features, metrics=["fd"])
        path.write_text(yaml.safe_dump(suite, sort_keys=False))
        result = runner.invoke(app, ["run", str(path), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    out = folder / "site"
    result = runner.invoke(app, ["report", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "index.html"


def gallery_sources(site: Path, suffix: str) -> list[Path]:
    return [
        site.parent / s for s in re.findall(rf'<img[^>]* src="([^"]+\.{suffix})"', site.read_text())
    ]


def test_the_gallery_shows_an_animated_preview_and_a_frame_strip_per_cell(site):
    previews, strips = gallery_sources(site, "gif"), gallery_sources(site, "png")
    assert len(previews) == 3 and len(strips) == 3
    for preview in previews:
        with Image.open(preview) as gif:
            assert gif.is_animated and gif.n_frames == 16  # moving clips: no frame merged


def test_the_leaderboard_has_frames_per_s_and_its_pareto_plot(site):
    assert 'data-column="speed:frames_per_s"' in site.read_text()
    plots = sorted((site.parent / "assets" / "plots").glob("*-pareto-fps-*.svg"))
    assert plots, "no quality-vs-frames/s plot"
    assert "frames/s" in plots[0].read_text()


@pytest.mark.slow
def test_the_animations_load_in_chromium(browser, site):
    browser.open(site)
    widths = browser.driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const images = Array.from(document.querySelectorAll('img[src$=".gif"]'));
        Promise.all(images.map(i => i.decode().then(() => i.naturalWidth, () => -1)))
          .then(done);
        """
    )
    assert widths == [4 * 33 + 1] * 3  # 4 x 4 clips of 32 x 32 with 1 px borders
    assert browser.console_errors() == []
    assert browser.broken_links(site) == []
