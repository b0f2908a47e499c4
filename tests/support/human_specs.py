"""The suite and study definitions of the human-evaluation tests."""

from __future__ import annotations

SUITE = {
    "name": "human-test",
    "seed": 0,
    "device": "cpu",
    "reference": {"dataset": "digits", "split": "test"},
    "features": "digits-cnn",
    "metrics": ["fd"],
    "bootstrap": {"resamples": 20},
    "sampling": {"num_samples": 24, "batch_size": 24},
    "timing": {"warmup": 1, "min_repeats": 1, "min_seconds": 0.0},
    "models": [
        {"name": "oracle", "adapter": "tests.support.fake_models:real_digits"},
        {
            "name": "noise",
            "adapter": "tests.support.fake_models:noise",
            "params": {"brightness": [0.3, 0.6, 1.0]},
        },
    ],
}


def study(**overrides) -> dict:
    """A small valid A/B study of the test run."""
    spec = {
        "name": "ab",
        "suite": "human-test",
        "task": "ab",
        "questions": [{"id": "quality", "text": "Which looks more like a handwritten digit?"}],
        "samples_per_cell": 6,
        "tasks_per_rater": 4,
        "attention": {"repeats": 1, "planted": 1},
        "bootstrap": {"resamples": 200},
    }
    spec.update(overrides)
    return spec
