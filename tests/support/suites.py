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


def missing_zoo_weights() -> list[str]:
    from benchbench.zoo import weights_path

    names = re.findall(r"zoo:([\w.-]+)", QUICK.read_text())
    return [name for name in names if not weights_path(name).exists()]
