"""The video baselines: replay plays real clips (of the classes asked for), frozen holds
each replayed clip's first frame, shuffled plays its frames in a seeded random order,
noise is uniform pixels; all seeded by the generator, all at the set's frame rate."""

from __future__ import annotations

import pytest
import torch

from benchbench.adapters import ADAPTERS
from benchbench.data import DATASETS

CPU = torch.device("cpu")


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def load(name: str):
    return ADAPTERS.get(name).load(None, CPU, split="test")


@pytest.fixture(scope="module")
def clips():
    return DATASETS.get("moving-digits")().load("test")


def rows_of(batch: torch.Tensor, clips) -> list[int]:
    """Which clip of the set each sample is (each must be one of them)."""
    flat = clips.videos.flatten(1)
    return [int((flat == sample.flatten()).all(dim=1).nonzero().item()) for sample in batch]


def test_replay_plays_distinct_real_clips_at_the_sets_frame_rate(clips):
    replay = load("video-replay")
    batch = replay.sample(16, generator())
    assert replay.frame_rate == clips.frame_rate == 8 and replay.output == "video"
    assert batch.shape == (16, 16, 1, 32, 32)
    assert len(set(rows_of(batch, clips))) == 16
    assert torch.equal(batch, replay.sample(16, generator()))


def test_replay_plays_a_clip_of_each_digit_asked_for(clips):
    asked = torch.arange(20) % 10
    batch = load("video-replay").sample(20, generator(), labels=asked)
    assert torch.equal(clips.labels[rows_of(batch, clips)], asked)


def test_frozen_holds_the_replayed_clips_first_frame_for_every_frame():
    replayed = load("video-replay").sample(8, generator())
    frozen = load("video-frozen").sample(8, generator())
    assert torch.equal(frozen, replayed[:, :1].expand_as(replayed))
    assert not torch.equal(frozen, replayed)


def test_shuffled_plays_each_replayed_clips_frames_in_a_seeded_new_order():
    replayed = load("video-replay").sample(8, generator())
    shuffled = load("video-shuffled").sample(8, generator())
    assert torch.equal(shuffled, load("video-shuffled").sample(8, generator()))
    for clip, mixed in zip(replayed, shuffled, strict=True):
        assert sorted(map(frame_bytes, clip)) == sorted(map(frame_bytes, mixed))  # same frames
        assert not torch.equal(clip, mixed)  # in another order


def frame_bytes(frame: torch.Tensor) -> bytes:
    return frame.numpy().tobytes()


def test_noise_is_uniform_pixels_of_the_declared_shape_and_rate():
    noise = ADAPTERS.get("video-noise").load(None, CPU, frame_rate=12)
    batch = noise.sample(4, generator(), frames=6, size=10)
    assert noise.frame_rate == 12 and batch.shape == (4, 6, 1, 10, 10)
    assert float(batch.min()) >= 0.0 and float(batch.max()) <= 1.0
    assert float(batch.mean()) == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize("name", ["video-replay", "video-frozen", "video-shuffled"])
def test_replay_refuses_a_dataset_without_video(name):
    with pytest.raises(ValueError, match="replay plays video; dataset 'spoken-digits' does not"):
        ADAPTERS.get(name).load(None, CPU, dataset="spoken-digits")
