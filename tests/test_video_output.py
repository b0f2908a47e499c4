"""The video output kind on its own: batch checks, the declared frame rate, collecting,
the stored artifacts (animated preview, frame strip, every clip) and frames/s."""

from __future__ import annotations

import io
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from benchbench.outputs.image_batches import OutputError
from benchbench.outputs.video import (
    VideoOutput,
    VideoSamples,
    animated_gif,
    check_video_batch,
    frame_rate_of,
)
from benchbench.records import Measurement
from tests.support import video_models

WHO = "model 'gen' (x)"


def clips(n: int = 4, frames: int = 16) -> torch.Tensor:
    return video_models.square(n, torch.Generator().manual_seed(0), frames=frames)


def output() -> VideoOutput:
    return VideoOutput(SimpleNamespace(), torch.device("cpu"))


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (np.zeros((4, 16, 1, 8, 8), np.float32), "returned ndarray, expected a torch.Tensor"),
        (torch.zeros(4, 1, 8, 8), "returned shape (4, 1, 8, 8), expected [4, frames, 1 or 3"),
        (torch.zeros(3, 16, 1, 8, 8), "returned shape (3, 16, 1, 8, 8), expected [4, frames"),
        (torch.zeros(4, 16, 2, 8, 8), "returned shape (4, 16, 2, 8, 8)"),
        (torch.zeros(4, 0, 1, 8, 8), "returned shape (4, 0, 1, 8, 8)"),
        (torch.zeros(4, 16, 1, 8, 8, dtype=torch.uint8), "returned dtype torch.uint8"),
        (torch.full((4, 16, 1, 8, 8), math.nan), "returned NaN or infinite pixels"),
        (torch.full((4, 16, 1, 8, 8), math.inf), "returned NaN or infinite pixels"),
        (torch.full((4, 16, 1, 8, 8), 255.0), "returned pixels in [255, 255], expected [0, 1]"),
        (torch.full((4, 16, 1, 8, 8), -1.0), "returned pixels in [-1, -1], expected [0, 1]"),
    ],
)
def test_a_wrong_batch_is_a_clear_error_naming_the_model(batch, message):
    with pytest.raises(OutputError) as caught:
        check_video_batch(batch, 4, WHO)
    assert str(caught.value).startswith(WHO)
    assert message in str(caught.value)


def test_a_valid_batch_is_kept_as_float32_on_the_cpu():
    kept = output().check(clips().double(), 4, WHO)
    assert kept.dtype == torch.float32 and kept.shape == (4, 16, 1, 32, 32)


@pytest.mark.parametrize("rate", [None, 0, -8, 8.0, True, "8"])
def test_a_missing_or_wrong_frame_rate_is_a_clear_error(rate):
    adapter = SimpleNamespace() if rate is None else SimpleNamespace(frame_rate=rate)
    with pytest.raises(OutputError, match=r"model 'gen' \(x\) declares frame_rate .*positive"):
        frame_rate_of(adapter, WHO)


def test_collect_keeps_n_clips_and_the_models_rate():
    samples = output().collect([clips(4), clips(4)], 6, SimpleNamespace(frame_rate=8), WHO)
    assert samples.videos.shape == (6, 16, 1, 32, 32)
    assert (samples.frame_rate, samples.frames) == (8, 16)


def test_batches_of_different_clip_lengths_are_refused():
    with pytest.raises(OutputError, match="clips of different shapes across batches"):
        output().collect([clips(4), clips(4, frames=8)], 8, SimpleNamespace(frame_rate=8), WHO)


def test_artifacts_are_an_animated_preview_a_frame_strip_and_every_clip():
    samples = VideoSamples(clips(20), 8)
    artifacts = {a.name: a for a in output().artifacts(samples, seed=3)}
    assert sorted(artifacts) == ["frames.png", "preview.gif", "samples.npz"]
    preview = artifacts["preview.gif"]
    assert preview.media_type == "image/gif" and preview.meta["count"] == 16
    with Image.open(io.BytesIO(preview.content)) as gif:
        assert gif.is_animated and gif.n_frames == 16
        assert gif.size == (4 * 33 + 1, 4 * 33 + 1)  # 4 x 4 clips of 32 x 32, 1 px borders
        assert gif.info["loop"] == 0 and gif.info["duration"] == 120  # 8 fps in 1/100 s
    with Image.open(io.BytesIO(artifacts["frames.png"].content)) as strip:
        assert strip.size == (2 * (16 * 33 + 1), 2 * (8 * 33 + 1))  # 8 clips x 16 frames, 2x
    with np.load(io.BytesIO(artifacts["samples.npz"].content)) as stored:
        assert stored["videos"].shape == (20, 16, 1, 32, 32) and stored["videos"].dtype == np.uint8
        assert int(stored["frame_rate"]) == 8
        np.testing.assert_array_equal(stored["videos"], (samples.videos * 255).round().numpy())


def test_a_gif_of_a_still_clip_keeps_its_duration():
    still = clips(1)[0, :1].expand(16, 1, 32, 32)
    with Image.open(io.BytesIO(animated_gif(still, 8))) as gif:
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert durations == [16 * 125]  # identical frames merged into one, shown for 2 s


def test_frames_per_s_is_videos_per_s_times_the_clip_length_with_its_interval():
    rate = Measurement(
        "samples_per_s", 10.0, "speed", "samples/s", True, ci_low=8.0, ci_high=12.0, n=5
    )
    (frames,) = output().speed_measurements(None, {}, None, rate, VideoSamples(clips(2), 8))
    assert frames.metric == "frames_per_s" and frames.kind == "speed"
    assert frames.unit == "frames/s"
    assert (frames.value, frames.ci_low, frames.ci_high, frames.n) == pytest.approx(
        (160.0, 128.0, 192.0, 5)
    )
    assert frames.signature["clip_frames"] == 16 and frames.signature["frame_rate"] == 8
