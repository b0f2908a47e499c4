"""Suites for tests: small valid ones whose models are fake sampling functions (a dict to
override, and YAML text to break), the problems a suite file has, and the repository's
quick suite with the zoo weights it needs."""

from __future__ import annotations

import re

import pytest

from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from tests.support import REPO

QUICK = REPO / "suites" / "quick.yaml"


def noise_suite(**overrides) -> dict:
    """A small valid suite whose models are test sampling functions (no zoo weights)."""
    suite = {
        "name": "test",
        "seed": 0,
        "device": "cpu",
        "reference": {"dataset": "digits", "split": "test"},
        "metrics": [],
        "sampling": {"num_samples": 8, "batch_size": 4},
        "timing": {"warmup": 1, "min_repeats": 2, "min_seconds": 0.0},
        "models": [
            {
                "name": "bright",
                "adapter": "tests.support.fake_models:noise",
                "params": {"brightness": [0.5, 1.0]},
            },
        ],
    }
    suite.update(overrides)
    return suite


VALID = """\
name: t
device: cpu
reference:
  dataset: digits
  split: test
metrics: []
sampling:
  num_samples: 8
  batch_size: 4
models:
  - name: a
    adapter: tests.support.fake_models:noise
    params:
      brightness: [0.5, 1.0]
"""


def audio_suite(models: list[dict], **overrides) -> dict:
    """A small audio suite on the spoken digits: no metrics unless given, CPU, 8 clips."""
    return small_suite("audio-test", "spoken-digits", models, **overrides)


def video_suite(models: list[dict], **overrides) -> dict:
    """A small video suite on the moving digits: no metrics unless given, CPU, 8 clips."""
    return small_suite("video-test", "moving-digits", models, **overrides)


def small_suite(default_name: str, dataset: str, models: list[dict], **overrides) -> dict:
    """A suite of ``models`` on ``dataset``'s test split: no metrics unless given, CPU, 8
    samples in batches of 4."""
    suite = {
        "name": default_name,
        "seed": 0,
        "device": "cpu",
        "reference": {"dataset": dataset, "split": "test"},
        "metrics": [],
        "sampling": {"num_samples": 8, "batch_size": 4},
        "timing": {"warmup": 1, "min_repeats": 2, "min_seconds": 0.0},
        "models": models,
    }
    suite.update(overrides)
    return suite


def problems_of(write_suite, text: str) -> list[str]:
    path = write_suite(text)
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    return [str(p) for p in info.value.problems]


def assert_edit_is_refused(write_suite, text: str, replace: str, by: str, expected: str) -> None:
    """``text`` with ``replace`` swapped for ``by`` fails to load, with a problem that
    contains ``expected`` (a table of hostile edits to one valid suite)."""
    assert replace in text
    problems = problems_of(write_suite, text.replace(replace, by))
    assert any(expected in p for p in problems), problems


def missing_zoo_weights() -> list[str]:
    from benchbench.zoo import weights_path

    names = re.findall(r"zoo:([\w.-]+)", QUICK.read_text())
    return [name for name in names if not weights_path(name).exists()]


TINY_TRAINER = "tests.support.trainers:TinyTrainer"


def tiny_recipe(**overrides) -> dict:
    """A recipe of the tiny test trainer: 4 steps, checkpoints at 0, 2 and 4, a block a step."""
    recipe = {"name": "tiny", "trainer": TINY_TRAINER, "steps": 4, "checkpoint_every": 2}
    return {**recipe, "log_every": 1, **overrides}


def training_suite(recipes: list[dict] | None = None, **overrides) -> dict:
    """A small valid training suite of the tiny test trainer: 2 seeds, 4 steps, checkpoints
    every 2 (so at 0, 2 and 4), a block per step, 32 samples per checkpoint."""
    suite = {
        "name": "train-test",
        "seed": 0,
        "device": "cpu",
        "reference": {"dataset": "digits", "split": "test"},
        "metrics": ["fd", "recall", "coverage"],
        "bootstrap": {"resamples": 10},
        "sampling": {"num_samples": 32, "batch_size": 32},
        "training": {
            "seeds": 2,
            "quality": "fd",
            "collapse": {"recall": 0.05},
            "target": 1e6,
            "recipes": recipes or [tiny_recipe()],
        },
    }
    suite.update(overrides)
    return suite


TRAINING = """\
name: t
device: cpu
reference: {dataset: digits, split: test}
metrics: [fd, recall]
sampling: {num_samples: 8, batch_size: 4}
training:
  seeds: 2
  quality: fd
  collapse: {recall: 0.1}
  recipes:
    - name: tiny
      trainer: tests.support.trainers:TinyTrainer
      steps: 10
      checkpoint_every: 5
      hyper: {lr: [0.01, 0.1]}
"""
