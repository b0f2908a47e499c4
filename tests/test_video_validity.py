"""Do the video metrics measure what they claim, on the embedded moving-digits-cnn?

- Temporal sensitivity: the frozen-first-frame and frame-shuffled replays score clearly
  worse than replay on FD[moving-digits-cnn] (disjoint 95% intervals) while their
  FD-frames stays near replay's: the clip embedding sees motion, the per-frame one by
  construction does not (I3D-based FVD is known to barely see it: Ge et al. 2024).
- FD rises monotonically with per-frame Gaussian noise; dropping half the digits lowers
  recall but not precision; FD of a set with itself is 0, never negative.
- Pitfalls are clear errors or warnings: another clip length or frame rate than the
  reference, 0..255 input, fewer clips than feature dimensions.

Replayed clips come from the train split, the reference is the test split (355 clips);
the numbers are printed (``pytest -s``) for the notes.
"""

from __future__ import annotations

import pytest
import torch

from benchbench.adapters import ADAPTERS
from benchbench.data import DATASETS
from benchbench.extractors.cache import FeatureCache
from benchbench.metrics.stats import BootstrapSpec
from benchbench.outputs.video import VideoEvaluator, VideoSamples

pytestmark = pytest.mark.slow
CPU = torch.device("cpu")
N = 512
METRICS = ["fd", "fd-frames", "precision", "recall"]


@pytest.fixture(scope="module")
def evaluator(tmp_path_factory) -> VideoEvaluator:
    reference = DATASETS.get("moving-digits")().load("test")
    return VideoEvaluator.for_reference(
        reference,
        METRICS,
        "moving-digits-cnn",
        bootstrap=BootstrapSpec(200, 0.95, seed=0),
        device=CPU,
        cache=FeatureCache(tmp_path_factory.mktemp("features")),
    )


def clips(adapter: str, **params) -> torch.Tensor:
    """``N`` clips of a video baseline drawn from the train split (seed 0)."""
    model = ADAPTERS.get(adapter).load(None, CPU)
    return model.sample(N, torch.Generator().manual_seed(0), **params)


@pytest.fixture(scope="module")
def scores(evaluator):
    """metric → result of each set, computed once and printed."""
    found: dict[str, dict] = {}

    def of(name: str, videos: torch.Tensor) -> dict:
        if name not in found:
            results = evaluator.evaluate(VideoSamples(videos, 8))
            found[name] = {r.metric: r for r in results}
            shown = "  ".join(
                f"{r.label} {r.value:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}]" for r in results
            )
            print(f"\n{name:>12}: {shown}")
        return found[name]

    return of


@pytest.fixture(scope="module")
def replay(scores):
    return scores("replay", clips("video-replay"))


@pytest.mark.parametrize("corruption", ["video-frozen", "video-shuffled"])
def test_frozen_and_shuffled_score_clearly_worse_on_fd_but_not_on_fd_frames(
    scores, replay, corruption
):
    corrupted = scores(corruption, clips(corruption))
    fd, frames = corrupted["fd"], corrupted["fd-frames"]
    assert fd.ci_low > replay["fd"].ci_high  # disjoint intervals: FD sees the motion
    assert frames.ci_low <= replay["fd-frames"].ci_high  # overlapping: frames look right
    rise_fd = fd.value - replay["fd"].value
    rise_frames = frames.value - replay["fd-frames"].value
    assert rise_frames < 0.1 * rise_fd


def test_fd_rises_monotonically_with_per_frame_noise(scores, replay):
    real = clips("video-replay")
    noise = torch.randn(real.shape, generator=torch.Generator().manual_seed(1))
    values = [replay["fd"].value] + [
        scores(f"noise {sigma}", (real + sigma * noise).clamp(0, 1))["fd"].value
        for sigma in (0.05, 0.1, 0.2)
    ]
    assert values == sorted(values) and len(set(values)) == 4


def test_dropping_half_the_digits_lowers_recall_but_not_precision(scores, replay):
    train = DATASETS.get("moving-digits")().load("train")
    half = scores("digits 0-4", train.videos[train.labels < 5][:N])
    assert half["recall"].ci_high < replay["recall"].ci_low
    assert half["precision"].value >= replay["precision"].ci_low


def test_a_set_against_itself_is_zero_never_negative(scores, evaluator):
    itself = scores("self", evaluator.reference.videos)
    for metric in ("fd", "fd-frames"):
        assert 0.0 <= itself[metric].value < 1e-6
    assert itself["fd-frames"].ci_low == 0.0


def test_clips_of_another_length_or_rate_than_the_reference_are_an_error(evaluator):
    real = clips("video-replay")[:64]
    with pytest.raises(ValueError, match="the clips are 8 frames at 8 fps, but the reference"):
        evaluator.evaluate(VideoSamples(real[:, :8], 8))
    with pytest.raises(ValueError, match="the clips are 16 frames at 24 fps, but the reference"):
        evaluator.evaluate(VideoSamples(real, 24))


def test_0_to_255_input_is_an_error_saying_so(evaluator):
    with pytest.raises(ValueError, match=r"0\.\.255 pixels must be divided by 255"):
        evaluator.extractor.extract(clips("video-replay")[:8] * 255, 8)


def test_fewer_clips_than_feature_dimensions_is_a_warning_in_the_result(evaluator):
    few = clips("video-replay")[:32]  # 64-dimensional clip features
    (fd, *_) = evaluator.evaluate(VideoSamples(few, 8))
    assert any("32 generated samples in 64 dimensions" in w for w in fd.warnings)
