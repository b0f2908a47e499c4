"""The audio baselines: replay plays real clips (of the classes asked for), noise is white
noise at its level; both seeded by the generator."""

from __future__ import annotations

import pytest
import torch

from benchbench.adapters import ADAPTERS
from benchbench.data import DATASETS

CPU = torch.device("cpu")


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def replay():
    return ADAPTERS.get("replay").load(None, CPU, split="test")


@pytest.fixture(scope="module")
def clips():
    return DATASETS.get("spoken-digits")().load("test")


def rows_of(batch: torch.Tensor, clips) -> list[int]:
    """Which clip of the set each sample is (each must be one of them)."""
    flat = clips.waveforms.flatten(1)
    return [int((flat == sample.flatten()).all(dim=1).nonzero().item()) for sample in batch]


def test_replay_plays_distinct_real_clips_at_the_sets_rate(replay, clips):
    batch = replay.sample(16, generator())
    assert replay.sample_rate == clips.sample_rate == 8000
    assert batch.shape == (16, 1, 4096)
    assert len(set(rows_of(batch, clips))) == 16
    assert torch.equal(batch, replay.sample(16, generator()))
    assert not torch.equal(batch, replay.sample(16, generator(1)))


def test_replay_plays_a_clip_of_each_class_asked_for(replay, clips):
    asked = torch.arange(20) % 10
    batch = replay.sample(20, generator(), labels=asked)
    played = clips.labels[rows_of(batch, clips)]
    assert torch.equal(played, asked)


def test_replay_draws_with_repeats_beyond_the_set(replay, clips):
    count = len(clips.waveforms)
    assert replay.sample(count + 5, generator()).shape == (count + 5, 1, 4096)


def test_replay_refuses_a_dataset_without_audio():
    with pytest.raises(ValueError, match="dataset 'digits' does not hold audio"):
        ADAPTERS.get("replay").load(None, CPU, dataset="digits")


def test_noise_is_white_noise_at_its_level_in_range():
    noise = ADAPTERS.get("noise").load(None, CPU, sample_rate=16000)
    batch = noise.sample(8, generator(), level=0.2, samples=2048)
    assert noise.sample_rate == 16000 and batch.shape == (8, 1, 2048)
    assert float(batch.std()) == pytest.approx(0.2, rel=0.05)
    loud = noise.sample(8, generator(), level=1.0)
    assert float(loud.abs().max()) == 1.0  # clipped, never beyond full scale
