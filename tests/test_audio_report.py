"""The report of an audio run: the gallery plays each cell's WAV clips (checked in
headless Chromium: the element loads and its duration is the clip's), shows its
spectrogram grid, and the run table and leaderboard carry the real-time factor."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from tests.support.suites import audio_suite

pytest_plugins = ("tests.support.browser",)
runner = CliRunner()
CLIP_SECONDS = 4096 / 8000


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("audio-report")
    models = [
        {"name": "tone", "adapter": "tests.support.audio_models:tone"},
        {"name": "wide", "adapter": "tests.support.audio_models:at_16k"},
        {"name": "noise", "adapter": "noise"},
    ]
    suite = audio_suite(models, name="audio-report")
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump(suite, sort_keys=False))
    db = folder / "bench.duckdb"
    result = runner.invoke(app, ["run", str(path), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    out = folder / "site"
    result = runner.invoke(app, ["report", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "index.html"


def test_the_gallery_has_an_audio_element_per_stored_clip_and_the_spectrograms(site):
    html = site.read_text()
    assert html.count("<audio ") == 3 * 4  # four WAV files per cell
    assert html.count('alt="samples of ') == 3  # one spectrogram grid per cell
    assert "media-src 'self'" in html  # the page's CSP lets the clips play
    sources = [
        line.split('src="', 1)[1].split('"', 1)[0]
        for line in html.splitlines()
        if "<audio " in line
    ]
    assert all(s.endswith(".wav") and (site.parent / s).is_file() for s in sources)


def test_the_leaderboard_has_a_real_time_factor_column(site):
    assert 'data-column="speed:real_time_factor"' in site.read_text()


@pytest.mark.slow
def test_clips_load_in_chromium_with_the_right_duration(browser, site):
    browser.open(site)
    durations = browser.driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const clips = Array.from(document.querySelectorAll('audio'));
        Promise.all(clips.map(a => new Promise(resolve => {
          if (a.readyState >= 1) { resolve(a.duration); return; }
          a.addEventListener('loadedmetadata', () => resolve(a.duration));
          a.addEventListener('error', () => resolve(-1));
          a.load();
        }))).then(done);
        """
    )
    assert len(durations) == 12
    assert durations == pytest.approx([CLIP_SECONDS] * 12, abs=1e-3)
    assert browser.console_errors() == []
    assert browser.broken_links(site) == []
