"""The audio zoo's recipes as resumable trainers (``benchbench.trainers.audio``): registered,
restored mid-epoch they continue bit for bit, their steps report every loss and network,
their samplers draw clips from the (EMA) weights without touching training, and a suite
that pairs them with the wrong data or a metric audio lacks is refused with file and line."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch

from benchbench.adapters import ADAPTERS
from benchbench.nets.checkpoint import save_checkpoint
from benchbench.trainers import TRAINERS
from benchbench.trainers import audio as audio_trainers
from benchbench.trainers.base import Trainer
from tests.support.suites import assert_edit_is_refused, problems_of
from tests.support.trainers import assert_resumes_bit_for_bit

CPU = torch.device("cpu")
# Tiny nets on 40 random clips of 256 samples in batches of 16: 2 steps an epoch, so a stop
# after 1 step is mid-epoch and the 3 steps after it cross into the next epoch.
EXAMPLES, BATCH, RATE, CLIP = 40, 16, 8000, 256
NAMES = ["diffwave-digits", "wavegan-digits", "wavenet-digits"]
CONFIGS = {
    "WAVENET_CONFIG": {
        "channels": 4,
        "skip_channels": 4,
        "stacks": 1,
        "layers_per_stack": 3,
        "cond_dim": 2,
        "clock_bins": 4,
        "clip_samples": CLIP,
        "sample_rate": RATE,
    },
    "WAVEGAN_CONFIG": {"z_dim": 4, "width": 2, "clip_samples": CLIP, "sample_rate": RATE},
    "WAVEGAN_CRITIC_CONFIG": {"width": 2, "clip_samples": CLIP},
    "DIFFWAVE_CONFIG": {
        "channels": 4,
        "layers": 2,
        "dilation_cycle": 2,
        "step_dim": 4,
        "cond_dim": 2,
        "clock_bins": 4,
        "clip_samples": CLIP,
        "sample_rate": RATE,
        "train_timesteps": 20,
    },
}
HYPER: dict[str, dict[str, Any]] = {
    "wavenet-digits": {"crop": 16},
    "wavegan-digits": {},
    "diffwave-digits": {"crop": 16, "eval_steps": 2},
}


@pytest.fixture(autouse=True)
def tiny_nets_and_clips(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trainers build tiny nets and read ``EXAMPLES`` random clips of each net's length
    (the real ones train for minutes on 1,442 clips)."""
    for name, config in CONFIGS.items():
        monkeypatch.setattr(audio_trainers, name, config)

    def load(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(0)
        clips = torch.rand(EXAMPLES, 1, CLIP, generator=generator) * 1.6 - 0.8
        return clips, torch.arange(EXAMPLES) % 10

    monkeypatch.setattr(audio_trainers, "load_spoken_digits", load)


def tiny(name: str, seed: int = 0, **hyper: Any) -> Trainer:
    cls = TRAINERS.get(name)
    params = {**HYPER[name], "batch_size": BATCH, **hyper}
    return cls(cls.Hyper(**params), seed, CPU, 8)


def test_the_audio_trainers_are_registered_under_the_zoo_names() -> None:
    for name in NAMES:
        trainer = TRAINERS.get(name)
        assert (trainer.name, trainer.output) == (name, "audio")
        assert ADAPTERS.get(trainer.family).output == "audio"


@pytest.mark.parametrize("name", NAMES)
def test_a_restored_audio_trainer_continues_bit_for_bit(name: str) -> None:
    assert_resumes_bit_for_bit(lambda: tiny(name))


@pytest.mark.parametrize("name", NAMES)
def test_audio_steps_report_every_loss_and_network_and_differ_by_seed(name: str) -> None:
    a, b = tiny(name, seed=0).train_step(), tiny(name, seed=1).train_step()
    assert set(a.grad_norms) == set(tiny(name).nets)
    assert a.losses and all(math.isfinite(v) and v > 0 for v in a.grad_norms.values())
    assert a.losses != b.losses


@pytest.mark.parametrize("name", NAMES)
def test_the_sampler_draws_clips_and_leaves_training_alone(name: str) -> None:
    trainer = tiny(name)
    trainer.train_step()
    adapter = trainer.sampler()
    clips = adapter.sample(3, torch.Generator().manual_seed(0))
    assert clips.shape == (3, 1, CLIP) and adapter.sample_rate == RATE
    assert clips.min() >= -1.0 and clips.max() <= 1.0
    assert all(net.training for net in trainer.nets.values())
    assert all(p.requires_grad for net in trainer.nets.values() for p in net.parameters())
    trainer.train_step()  # still trains after sampling


@pytest.mark.parametrize(
    ("name", "arch", "net"),
    [
        ("wavegan-digits", "wavegan-generator", lambda t: t.ema.module),
        ("diffwave-digits", "diffwave", lambda t: t.ema.module),
        ("wavenet-digits", "wavenet", lambda t: t.model),
    ],
)
def test_the_sampler_equals_the_adapter_on_its_saved_checkpoint(
    name: str, arch: str, net: Any, tmp_path: Path
) -> None:
    """A checkpoint is scored as the zoo's file of the same weights would be (DiffWave with
    the trainer's ``eval_steps``)."""
    trainer = tiny(name)
    for _ in range(2):
        trainer.train_step()
    path = save_checkpoint(tmp_path / "net.pt", net(trainer), arch, trainer.config)
    loaded = ADAPTERS.get(trainer.family).load(path, CPU)
    params = {"steps": 2} if name == "diffwave-digits" else {}
    expected = loaded.sample(4, torch.Generator().manual_seed(3), **params)
    assert torch.equal(trainer.sampler().sample(4, torch.Generator().manual_seed(3)), expected)


def test_the_fragile_wavegan_drops_spectral_norm_from_its_critic() -> None:
    normed = tiny("wavegan-digits")
    plain = tiny("wavegan-digits", spectral_norm=False, shuffle=0)
    assert normed.critic_config["spectral_norm"] and not plain.critic_config["spectral_norm"]
    assert plain.critic_config["shuffle"] == 0
    assert not any("parametrizations" in key for key in plain.critic.state_dict())
    assert any("parametrizations" in key for key in normed.critic.state_dict())


def test_net_sizes_are_the_zoos_unless_the_hyper_parameters_set_them() -> None:
    assert tiny("diffwave-digits").config == CONFIGS["DIFFWAVE_CONFIG"]
    assert tiny("wavenet-digits", layers_per_stack=2).config == {
        **CONFIGS["WAVENET_CONFIG"],
        "layers_per_stack": 2,
    }
    wider = tiny("wavegan-digits", width=3)
    assert wider.config["width"] == wider.critic_config["width"] == 3
    assert wider.gen.upsample[-2].in_channels == 3  # the last transposed convolution: w -> 1


AUDIO_TRAINING = """\
name: t
device: cpu
reference: {dataset: spoken-digits, split: test}
features: spoken-digits-cnn
metrics: [fd, recall]
sampling: {num_samples: 8, batch_size: 4}
training:
  seeds: 2
  quality: fd
  collapse: {recall: 0.1}
  recipes:
    - name: wavegan
      trainer: wavegan-digits
      steps: 10
      checkpoint_every: 5
      hyper: {spectral_norm: [true, false]}
"""
HOSTILE = [  # (what to replace in AUDIO_TRAINING, by what, the problem expected)
    (
        "trainer: wavegan-digits",
        "trainer: wavegan-digit",
        "suite.yaml:13: training.recipes[0].trainer: unknown trainer 'wavegan-digit'",
    ),
    (
        "trainer: wavegan-digits",
        "trainer: dcgan-digits",
        "suite.yaml:13: training.recipes[0].trainer: trainer 'dcgan-digits' makes image, but "
        "the reference dataset 'spoken-digits' holds audio",
    ),
    (
        "collapse: {recall: 0.1}",
        "collapse: {lpips: 0.1}",
        "suite.yaml:10: training.collapse.lpips: metric 'lpips' is not among the suite's metrics",
    ),
    (
        "metrics: [fd, recall]",
        "metrics: [fd, recall, lpips]",
        "suite.yaml:5: metrics[2]: metric 'lpips' needs images, which a suite on audio "
        "('spoken-digits') does not provide",
    ),
    (
        "hyper: {spectral_norm: [true, false]}",
        "hyper: {spectral_norm: [true, sometimes]}",
        "suite.yaml:16: training.recipes[0].hyper.spectral_norm: Input should be a valid boolean",
    ),
    (
        "hyper: {spectral_norm: [true, false]}",
        "hyper: {crop: 5000}",
        "suite.yaml:16: training.recipes[0].hyper.crop: unknown field 'crop'",
    ),
]


@pytest.mark.parametrize(("replace", "by", "expected"), HOSTILE)
def test_bad_audio_training_blocks_are_problems_with_lines(write_suite, replace, by, expected):
    assert_edit_is_refused(write_suite, AUDIO_TRAINING, replace, by, expected)


def test_an_audio_trainer_on_image_data_is_refused(write_suite):
    text = AUDIO_TRAINING.replace("dataset: spoken-digits", "dataset: digits")
    text = text.replace("features: spoken-digits-cnn", "features: digits-cnn")
    problems = problems_of(write_suite, text)
    expected = (
        "suite.yaml:13: training.recipes[0].trainer: trainer 'wavegan-digits' makes audio, "
        "but the reference dataset 'digits' holds image"
    )
    assert any(expected in p for p in problems), problems
