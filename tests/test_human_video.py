"""A blinded A/B viewing study on a video run: studies/video-ab.yaml is valid, the task
page shows two animations served as looping GIFs at the clips' frame rate (only to a
rater shown them), a planted clip is buried in noise, votes are recorded, the CSV export
writes GIFs; and in headless Chromium both animations of a task load."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

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
from tests.support.suites import video_suite

pytest_plugins = ("tests.support.browser",)

SUITE = video_suite(
    [
        {"name": "replay", "adapter": "video-replay"},
        {"name": "shuffled", "adapter": "video-shuffled"},
        {"name": "noise", "adapter": "video-noise"},
    ],
    name="video-human",
    sampling={"num_samples": 8, "batch_size": 8},
    timing={"warmup": 1, "min_repeats": 1, "min_seconds": 0.0},
)
VIDEO_AB = study(
    name="video-ab",
    suite="video-human",
    questions=[{"id": "real", "text": "Which clip looks more like a real moving digit?"}],
)


@pytest.fixture(scope="module")
def video_run(tmp_path_factory) -> Path:
    return stored_run(tmp_path_factory.mktemp("video-human"), SUITE)


@pytest.fixture
def served(video_run, tmp_path):
    db = tmp_path / "bench.duckdb"
    db.write_bytes(video_run.read_bytes())
    spec = tmp_path / "video-ab.yaml"
    spec.write_text(yaml.safe_dump(VIDEO_AB, sort_keys=False))
    with Store(db) as store:
        record = create_study(load_study(spec), store)
        yield store, create_app(store.path, record.study), record.token


def test_the_shipped_study_file_is_valid_and_asks_about_the_video_suite():
    spec = load_study(REPO / "studies" / "video-ab.yaml").study
    assert (spec.name, spec.suite, spec.task) == ("video-ab", "video", "ab")


def test_the_task_page_shows_two_animations_served_as_looping_gifs(served):
    store, app, token = served
    client = joined(app, token)
    html = client.get("/task").get_data(as_text=True)
    shown = re.findall(r'<img src="/item/(\w+)\.gif"', html)
    assert len(shown) == 2 and "<audio" not in html
    for item in shown:
        animation = client.get(f"/item/{item}.gif")
        assert animation.status_code == 200 and animation.mimetype == "image/gif"
        with Image.open(io.BytesIO(animation.data)) as gif:
            assert gif.is_animated and gif.info["loop"] == 0
            assert gif.size == (192, 192)  # 32 x 32 frames upscaled 6 times
            durations = []
            for index in range(gif.n_frames):
                gif.seek(index)
                durations.append(gif.info["duration"])
        assert sum(durations) == pytest.approx(2000, abs=16 * 5)  # 16 frames at 8 fps
        assert client.get(f"/item/{item}.png").status_code == 404  # a video is no image
        assert client.get(f"/item/{item}.wav").status_code == 404
    response = client.post("/vote", data={**form_of(html), "q_real": "left"})
    assert response.status_code == 303
    assert store.query("SELECT choice FROM human_votes")["choice"][0] == shown[0]


def test_an_animation_not_shown_to_the_rater_is_not_served(served):
    _, app, token = served
    client = joined(app, token)
    client.get("/task")
    assert client.get("/item/" + "0" * 20 + ".gif").status_code == 404


def test_a_planted_clip_is_its_source_buried_in_noise(served):
    store, _, _ = served
    items = Items(HumanStore(store), "video-ab")
    planted = [item for item, (_, _, fake) in items.index.items() if fake]
    assert planted
    for item in planted:
        cell, index, _ = items.index[item]
        source = items.cells[cell].values[index]
        noisy = items.sample(item)
        assert noisy.dtype == np.uint8 and noisy.shape == source.shape == (16, 1, 32, 32)
        kept = 0.15 * source.astype(np.float64)
        assert np.std(noisy - kept) > 3 * np.std(kept)  # far more noise than clip


def test_the_csv_export_writes_each_video_item_as_a_gif(served, tmp_path):
    store, _, _ = served
    export_tasks(store, "video-ab", tmp_path / "export")
    written = sorted((tmp_path / "export" / "items").iterdir())
    assert written and {path.suffix for path in written} == {".gif"}
    with Image.open(written[0]) as gif:
        assert gif.is_animated


@pytest.mark.slow
def test_both_animations_of_a_task_load_in_chromium(browser, served):
    store, _, token = served
    driver = browser.driver
    with serving(store.path, "video-ab") as base:
        driver.delete_all_cookies()
        driver.get(f"{base}/join/{token}?worker=viewer")
        widths = driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const images = Array.from(document.querySelectorAll('.sample img'));
            Promise.all(images.map(i => i.decode().then(() => i.naturalWidth, () => -1)))
              .then(done);
            """
        )
    assert widths == [192, 192]
