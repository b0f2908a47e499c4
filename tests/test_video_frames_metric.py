"""fd-frames: the Fréchet distance between two sets of frames, labelled with its
extractor, zero for a set against itself, its interval resampling whole clips."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.catalogue import METRICS
from benchbench.metrics import MetricSetupError
from benchbench.metrics.features.fd import frechet_distance
from benchbench.metrics.stats import BootstrapSpec
from benchbench.metrics.video.frames import FrameFrechetDistance

FEATURES = {"name": "moving-digits-cnn", "version": "1", "clip_frames": 4}


class Inputs:
    def __init__(self, real: torch.Tensor, fake: torch.Tensor):
        self.values = {"reference_frame_features": real, "frame_features": fake}

    def get(self, name: str) -> torch.Tensor:
        return self.values[name]


def frames(clips: int, seed: int, shift: float = 0.0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.normal(shift, 1.0, (clips * 4, 3))).float()


def score(real, fake, bootstrap=None, features=FEATURES):
    metric = FrameFrechetDistance(features, "moving-digits/test@x", bootstrap)
    metric.observe(Inputs(real, fake))
    return metric.compute()


def test_it_is_registered_with_its_inputs_and_label():
    assert METRICS.get("fd-frames") is FrameFrechetDistance
    result = score(frames(30, 0), frames(30, 1, shift=0.5))
    assert result.label == "FD-frames[moving-digits-cnn]" and not result.higher_is_better
    assert result.n == 120  # generated frames
    expected = frechet_distance(frames(30, 0).double().numpy(), frames(30, 1, 0.5).double().numpy())
    assert result.value == pytest.approx(expected)
    assert result.signature["metric"] == "fd-frames"
    assert result.signature["frames_per_clip"] == 4 and result.signature["resampled"] == "clips"


def test_a_set_against_itself_is_zero_never_negative():
    same = frames(30, 0)
    assert 0.0 <= score(same, same).value < 1e-12


def test_the_interval_resamples_whole_clips():
    """Clips whose 4 frames are copies of one frame: resampling frames one by one would
    treat 4 copies as 4 samples and give a narrower interval than resampling the clips."""
    rng = np.random.default_rng(0)
    real = torch.from_numpy(rng.normal(0, 1, (40, 1, 3))).float().expand(40, 4, 3).reshape(-1, 3)
    fake = torch.from_numpy(rng.normal(0.3, 1, (40, 1, 3))).float().expand(40, 4, 3).reshape(-1, 3)
    spec = BootstrapSpec(200, 0.95, seed=0)
    by_clip = score(real, fake, spec)
    by_frame = score(real, fake, spec, features={**FEATURES, "clip_frames": 1})
    assert by_clip.ci_low <= by_clip.value <= by_clip.ci_high
    assert by_clip.ci_high - by_clip.ci_low > 1.5 * (by_frame.ci_high - by_frame.ci_low)


def test_rows_that_are_not_whole_clips_are_an_error():
    with pytest.raises(ValueError, match="7 generated frame rows are not whole clips of 4"):
        score(frames(30, 0), frames(30, 1)[:7])


def test_an_extractor_without_a_clip_length_is_refused():
    with pytest.raises(MetricSetupError, match="records its clip length"):
        score(frames(30, 0), frames(30, 1), features={"name": "digits-cnn", "version": "1"})


def test_fvd_is_fd_on_i3d_kinetics_logits_only():
    from benchbench.metrics.features.fd import FrechetDistance, FrechetVideoDistance

    i3d = {"name": "i3d-kinetics400", "version": "1"}
    assert FrechetDistance(i3d, "r").label == "FVD"
    assert FrechetDistance(FEATURES, "r").label == "FD[moving-digits-cnn]"
    assert FrechetVideoDistance(i3d, "r").label == "FVD"
    with pytest.raises(MetricSetupError, match="'fvd' is defined on i3d-kinetics400"):
        FrechetVideoDistance(FEATURES, "r")


@pytest.mark.parametrize("seed", [0, 1])
def test_clip_weighted_moments_equal_frame_weighted_ones_on_either_path(seed, monkeypatch):
    from benchbench.metrics.features.fd import weighted_moments
    from benchbench.metrics.video import frames as module

    rows = np.random.default_rng(seed).normal(3.0, 2.0, (40 * 4, 5))
    weights = np.random.default_rng(seed + 10).integers(0, 4, 40).astype(float)
    expected = weighted_moments(rows, np.repeat(weights, 4))
    for limit in (module.MAX_SCATTER_VALUES, 0):  # per-clip scatters, then frame by frame
        monkeypatch.setattr(module, "MAX_SCATTER_VALUES", limit)
        clips = module.ClipFrames.of(rows, 4)
        assert (clips.scatters is None) == (limit == 0)
        for got, want in zip(clips.moments(weights), expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_the_interval_never_reaches_below_zero():
    same = frames(30, 0)
    result = score(same, same, BootstrapSpec(100, 0.95, seed=0))
    assert result.ci_low == 0.0 and result.ci_high > 0.0
