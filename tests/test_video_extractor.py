"""The video extractor base: its checks (length, rate, range, shape), resize and identity."""

from __future__ import annotations

import pytest
import torch

from benchbench.extractors.video import VideoFeatureExtractor


class MeanFrames(VideoFeatureExtractor):
    """A network-free extractor: a clip's features are its per-frame means; a frame's
    features are its mean and its first pixel."""

    name = "mean-frames"
    version = "1"
    clip_frames = 4
    frame_rate = 8
    size = (6, 8)
    channels = 3
    input_range = (-1.0, 1.0)
    outputs = ("features",)

    @property
    def weights_sha256(self) -> str:
        return "0" * 64

    @property
    def feature_dim(self) -> int:
        return self.clip_frames

    def _extract(self, videos: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"features": videos.mean(dim=(2, 3, 4))}

    def _extract_frames(self, frames: torch.Tensor) -> torch.Tensor:
        return torch.stack([frames.mean(dim=(1, 2, 3)), frames[:, 0, 0, 0]], dim=1)


@pytest.fixture
def extractor() -> MeanFrames:
    return MeanFrames(torch.device("cpu"))


def _videos(n: int = 3, frames: int = 4, channels: int = 1, h: int = 12, w: int = 16):
    return torch.rand(n, frames, channels, h, w, generator=torch.Generator().manual_seed(0))


def test_identity_records_clip_length_rate_size_resize_range_and_weights(extractor):
    assert extractor.identity() == {
        "name": "mean-frames",
        "version": "1",
        "weights_sha256": "0" * 64,
        "clip_frames": 4,
        "frame_rate": 8,
        "size": [6, 8],
        "resize": "bilinear-antialias",
        "input_range": [-1.0, 1.0],
    }


def test_prepare_matches_channels_size_and_the_networks_range(extractor):
    videos = _videos()
    prepared = extractor.prepare(videos, 8)
    assert prepared.shape == (3, 4, 3, 6, 8)
    assert float(prepared.min()) >= -1.0 and float(prepared.max()) <= 1.0
    black = extractor.prepare(torch.zeros(1, 4, 1, 6, 8), 8)
    assert torch.equal(black, torch.full_like(black, -1.0))  # 0 → the range's low end
    features = extractor(videos, 8)
    assert torch.allclose(features, prepared.mean(dim=(2, 3, 4)))


def test_features_do_not_depend_on_the_batch_size(extractor):
    videos = _videos(n=7)
    assert torch.allclose(extractor(videos, 8, batch_size=2), extractor(videos, 8, batch_size=64))


@pytest.mark.parametrize(
    ("frames", "rate", "message"),
    [
        (5, 8, "exactly 4 frames, got 5"),
        (3, 8, "exactly 4 frames, got 3"),
        (4, 16, "trained on clips at 8 fps, got 16 fps"),
        (4, 0, "a frame rate is a positive whole number, got 0"),
        (4, 7.5, "a frame rate is a positive whole number, got 7.5"),
    ],
)
def test_another_clip_length_or_frame_rate_is_a_clear_error(extractor, frames, rate, message):
    with pytest.raises(ValueError, match=message):
        extractor(_videos(frames=frames), rate)


def test_a_rate_free_extractor_takes_any_rate(extractor, monkeypatch):
    monkeypatch.setattr(MeanFrames, "frame_rate", None)
    assert extractor(_videos(), 25).shape == (3, 4)


@pytest.mark.parametrize(
    ("videos", "message"),
    [
        (_videos() * 255, r"values up to 2\d\d(\.\d+)?; 0\.\.255 pixels must be divided by 255"),
        ((_videos() * 255).to(torch.uint8), "got torch.uint8; divide 0..255 pixels by 255"),
        (_videos() * 2 - 1, r"values down to -0\.9\d*; map \[-1, 1\] output to \[0, 1\]"),
        (_videos().index_fill(1, torch.tensor([2]), float("nan")), "NaN or infinite"),
        (_videos()[:, 0], r"videos \[N, frames, channels, H, W\], got shape \(3, 1, 12, 16\)"),
        (_videos(channels=2), "takes 3 channels, got 2"),
        (_videos(n=0), r"no videos to embed \(shape \(0, 4, 1, 12, 16\)\)"),
    ],
)
def test_bad_videos_are_clear_errors(extractor, videos, message):
    with pytest.raises(ValueError, match=message):
        extractor(videos, 8)


def test_frame_features_take_any_length_and_rate_but_check_the_range(extractor):
    videos = _videos(n=2, frames=7)
    frames = extractor.extract_frames(videos, batch_size=3)
    assert frames.shape == (14, 2)
    clip_one_frame_two = extractor.prepare_frames(videos[1, 2][None])
    assert torch.isclose(frames[7 + 2, 0], clip_one_frame_two.mean())  # clip by clip, in order
    with pytest.raises(ValueError, match="values up to"):
        extractor.extract_frames(videos * 255)


def test_an_extractor_without_per_frame_features_says_so(extractor, monkeypatch):
    monkeypatch.delattr(MeanFrames, "_extract_frames")
    with pytest.raises(ValueError, match="embeds whole clips only"):
        extractor.extract_frames(_videos())
