from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


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
                "adapter": "tests.fake_models:noise",
                "params": {"brightness": [0.5, 1.0]},
            },
        ],
    }
    suite.update(overrides)
    return suite


@pytest.fixture(autouse=True)
def feature_cache(tmp_path, monkeypatch):
    """Each test gets its own reference-feature cache, never the user's."""
    monkeypatch.setenv("BENCHBENCH_CACHE_DIR", str(tmp_path / "feature-cache"))
    return tmp_path / "feature-cache"


@pytest.fixture
def write_suite(tmp_path):
    """Write a suite dict (or raw YAML text) to a file and return its path."""

    def write(content: dict | str, name: str = "suite.yaml") -> Path:
        path = tmp_path / name
        path.write_text(
            content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        )
        return path

    return write
