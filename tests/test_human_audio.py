"""A blinded A/B listening study on an audio run: studies/audio-ab.yaml is valid, the
task page plays two clips served as WAV files (only to a rater shown them, and only as
audio), a planted clip is buried in noise, votes are recorded; and in headless Chromium
both clips of a task load with the clip's duration."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.io import wavfile

from benchbench.human.design import create_study
from benchbench.human.interchange import export_tasks
from benchbench.human.samples import Items
from benchbench.human.server import create_app
from benchbench.human.study import load_study
from benchbench.store.human import HumanStore
from benchbench.store.runs import Store
from tests.support import REPO
from tests.support.human_run import stored_run
from tests.support.human_serving import form_of, joined, serving
from tests.support.human_specs import study
from tests.support.suites import audio_suite

pytest_plugins = ("tests.support.browser",)

SUITE = audio_suite(
    [
        {"name": "replay", "adapter": "replay"},
        {"name": "tone", "adapter": "tests.support.audio_models:tone"},
        {"name": "noise", "adapter": "noise"},
    ],
    name="audio-human",
    sampling={"num_samples": 8, "batch_size": 8},
    timing={"warmup": 1, "min_repeats": 1, "min_seconds": 0.0},
)
AUDIO_AB = study(
    name="audio-ab",
    suite="audio-human",
    questions=[{"id": "clean", "text": "Which clip sounds more like a clean spoken digit?"}],
)


@pytest.fixture(scope="module")
def audio_run(tmp_path_factory) -> Path:
    return stored_run(tmp_path_factory.mktemp("audio-human"), SUITE)


@pytest.fixture
def served(audio_run, tmp_path):
    db = tmp_path / "bench.duckdb"
    db.write_bytes(audio_run.read_bytes())
    spec = tmp_path / "audio-ab.yaml"
    spec.write_text(yaml.safe_dump(AUDIO_AB, sort_keys=False))
    with Store(db) as store:
        record = create_study(load_study(spec), store)
        yield store, create_app(store.path, record.study), record.token


def test_the_shipped_study_file_is_valid_and_asks_about_the_audio_suite():
    spec = load_study(REPO / "studies" / "audio-ab.yaml").study
    assert (spec.name, spec.suite, spec.task) == ("audio-ab", "audio", "ab")


def test_the_task_page_plays_two_clips_served_as_wav(served):
    store, app, token = served
    client = joined(app, token)
    page = client.get("/task")
    assert "media-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    shown = re.findall(r'<audio controls preload="auto" src="/item/(\w+)\.wav"', html)
    assert len(shown) == 2 and "<img" not in html
    for item in shown:
        clip = client.get(f"/item/{item}.wav")
        assert clip.status_code == 200 and clip.mimetype == "audio/wav"
        rate, pcm = wavfile.read(io.BytesIO(clip.data))
        assert (rate, pcm.dtype, pcm.shape) == (8000, np.int16, (4096,))
        assert client.get(f"/item/{item}.png").status_code == 404  # a clip is no image
    response = client.post("/vote", data={**form_of(html), "q_clean": "left"})
    assert response.status_code == 303
    assert store.query("SELECT choice FROM human_votes")["choice"][0] == shown[0]


def test_a_clip_not_shown_to_the_rater_is_not_served(served):
    store, app, token = served
    client = joined(app, token)
    client.get("/task")
    assert client.get("/item/" + "0" * 20 + ".wav").status_code == 404
    mine = set(store.query("SELECT task_id FROM human_assignments")["task_id"])
    tasks = HumanStore(store).tasks("audio-ab")
    seen = tasks[tasks["task_id"].isin(mine)]
    hidden = set(tasks["item_a"]) - set(seen["item_a"]) - set(seen["item_b"].dropna())
    assert hidden and client.get(f"/item/{sorted(hidden)[0]}.wav").status_code == 404


def test_a_planted_clip_is_its_source_buried_in_noise(served):
    store, _, _ = served
    items = Items(HumanStore(store), "audio-ab")
    planted = [item for item, (_, _, fake) in items.index.items() if fake]
    assert planted
    for item in planted:
        cell, index, _ = items.index[item]
        source = items.cells[cell].values[index]
        noisy = items.sample(item)
        assert noisy.dtype == np.int16 and noisy.shape == source.shape
        kept = 0.15 * source.astype(np.float64)
        snr_db = 20 * np.log10(np.std(kept) / np.std(noisy - kept))
        assert snr_db < -10  # far more noise than clip


@pytest.mark.slow
def test_both_clips_of_a_task_load_in_chromium(browser, served):
    store, _, token = served
    driver = browser.driver
    with serving(store.path, "audio-ab") as base:
        driver.delete_all_cookies()
        driver.get(f"{base}/join/{token}?worker=listener")
        durations = driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const clips = Array.from(document.querySelectorAll('.sample audio'));
            Promise.all(clips.map(a => new Promise(resolve => {
              if (a.readyState >= 1) { resolve(a.duration); return; }
              a.addEventListener('loadedmetadata', () => resolve(a.duration));
              a.addEventListener('error', () => resolve(-1));
            }))).then(done);
            """
        )
    assert durations == pytest.approx([4096 / 8000] * 2, abs=1e-3)


def test_the_csv_export_writes_each_audio_item_as_a_wav_file(served, tmp_path):
    store, _, _ = served
    export_tasks(store, "audio-ab", tmp_path / "export")
    written = sorted((tmp_path / "export" / "items").iterdir())
    assert written and {path.suffix for path in written} == {".wav"}
    rate, clip = wavfile.read(written[0])
    assert rate == 8000 and clip.dtype == np.int16 and clip.shape == (4096,)
