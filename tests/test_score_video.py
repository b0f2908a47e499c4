"""`bench score video REAL FAKE` on folders of GIFs, PNG-frame folders and NumPy arrays:
scores with intervals; bad input is one `error:` line and exit code 2, naming the folder
or file; nothing is a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.data import DATASETS
from benchbench.data.video_files import write_gif
from tests.support.video_models import registered_motion_frames

runner = CliRunner()


@pytest.fixture(scope="module")
def clips() -> torch.Tensor:
    return DATASETS.get("moving-digits")().load("test").videos


@pytest.fixture(autouse=True)
def features():
    with registered_motion_frames() as name:
        yield name


def gif_folder(folder: Path, videos: torch.Tensor, rate: int = 8) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, video in enumerate(videos):
        write_gif(folder / f"clip-{i:02d}.gif", video, rate)
    return folder


def score(*args: str, features: str = "test-motion-frames"):
    return runner.invoke(
        app, ["score", "video", *map(str, args), "--features", features, "--resamples", "20"]
    )


def error_line(result) -> str:
    """The one ``error:`` message of a failed command, unwrapped."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("error:") == 1
    assert "Traceback" not in result.output
    return " ".join(result.stderr.split())


@pytest.fixture
def real(tmp_path, clips) -> Path:
    return gif_folder(tmp_path / "real", clips[:24])


def test_gifs_against_an_array_score_every_metric_with_intervals(tmp_path, real, clips):
    (tmp_path / "fake").mkdir()
    np.save(tmp_path / "fake" / "clips.npy", clips[24:48].numpy())
    result = score(real, tmp_path / "fake", "--json", "--metrics", "fd,fd-frames,kd")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["fd"]["label"] == "FD[test-motion-frames]"
    assert scores["fd-frames"]["label"] == "FD-frames[test-motion-frames]"
    assert scores["fd-frames"]["n"] == 24 * 16
    for value in scores.values():
        assert value["ci_low"] <= value["value"] <= value["ci_high"]


def test_a_folder_of_png_frame_folders_reads_like_its_gifs(tmp_path, real, clips):
    from PIL import Image

    for i, video in enumerate(clips[24:30]):
        folder = tmp_path / "fake" / f"clip-{i}"
        folder.mkdir(parents=True)
        for t, frame in enumerate(video):
            pixels = (frame[0] * 255).round().to(torch.uint8).numpy()
            Image.fromarray(pixels, "L").save(folder / f"{t:02d}.png")
    result = score(real, tmp_path / "fake", "--json", "--metrics", "fd-frames")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fd-frames"]["n"] == 6 * 16


def test_a_missing_folder_is_an_error_naming_it(tmp_path, real):
    line = error_line(score(real, tmp_path / "nowhere"))
    assert "FAKE" in line and "nowhere: does not exist" in line


def test_an_empty_folder_is_an_error(tmp_path, real):
    (tmp_path / "empty").mkdir()
    assert "empty" in error_line(score(real, tmp_path / "empty"))


def test_an_odd_folder_is_a_warning_for_what_it_skips_then_an_error(tmp_path, real):
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "notes.txt").write_text("not a video")
    result = score(real, tmp_path / "odd")
    assert result.exit_code == 2 and "Traceback" not in result.output
    warning, error = result.stderr.split("\nerror: ")
    assert warning.startswith("warning ") and "skipped" in warning
    assert "odd: no videos" in " ".join(error.split())


def test_one_video_is_too_few(tmp_path, real, clips):
    line = error_line(score(real, gif_folder(tmp_path / "one", clips[:1])))
    assert "1 video; every metric needs at least 2" in line


def test_videos_of_another_length_than_the_references_are_an_error(tmp_path, real, clips):
    line = error_line(score(real, gif_folder(tmp_path / "short", clips[:4, :8])))
    assert "the clips are 8 frames at 8 fps, but the reference real/" in line
    assert "is 16 frames at 8 fps" in line


def test_videos_of_another_length_than_the_extractors_are_an_error(tmp_path, clips):
    short = gif_folder(tmp_path / "short", clips[:4, :8])
    line = error_line(score(short, short))
    assert "embeds clips of exactly 16 frames, got 8" in line


def test_videos_of_mixed_lengths_are_an_error_naming_the_file(tmp_path, real, clips):
    fake = gif_folder(tmp_path / "fake", clips[:3])
    write_gif(fake / "zz-short.gif", clips[3, :8], 8)
    assert "zz-short.gif" in error_line(score(real, fake))


def test_gifs_at_another_frame_rate_are_an_error(tmp_path, real, clips):
    fake = gif_folder(tmp_path / "fake", clips[:3], rate=25)
    assert "clip-00.gif" in error_line(score(real, fake))


def test_a_broken_gif_is_an_error_naming_the_file(tmp_path, real, clips):
    fake = gif_folder(tmp_path / "fake", clips[:3])
    (fake / "broken.gif").write_bytes(b"GIF89a but not really")
    assert "broken.gif" in error_line(score(real, fake))


def test_0_to_255_float_arrays_are_an_error_saying_so(tmp_path, real, clips):
    (tmp_path / "fake").mkdir()
    np.save(tmp_path / "fake" / "clips.npy", clips[:4].numpy() * 255)
    line = error_line(score(real, tmp_path / "fake"))
    assert "clips.npy" in line and "[0, 1]" in line


def test_nan_in_an_array_is_an_error_naming_the_file(tmp_path, real, clips):
    (tmp_path / "fake").mkdir()
    bad = clips[:4].numpy().copy()
    bad[1, 2, 0, 3, 3] = np.nan
    np.save(tmp_path / "fake" / "nan.npy", bad)
    assert "nan.npy" in error_line(score(real, tmp_path / "fake"))


@pytest.mark.parametrize("rate", ["0", "-8"])
def test_a_frame_rate_that_is_not_positive_is_an_error(real, rate):
    assert "--frame-rate" in error_line(score(real, real, "--frame-rate", rate))


def test_a_frame_rate_the_extractor_was_not_trained_on_is_an_error(tmp_path, clips):
    real = gif_folder(tmp_path / "real", clips[:4], rate=10)
    line = error_line(score(real, real, "--frame-rate", "10"))
    assert "8 fps" in line and "10" in line


def test_an_image_metric_is_refused_naming_its_command(real):
    line = error_line(score(real, real, "--metrics", "fd,lpips"))
    assert "metric 'lpips' does not score videos" in line and "bench score images" in line


def test_an_image_extractor_is_refused(real):
    line = error_line(score(real, real, features="digits-cnn"))
    assert "does not embed videos" in line
