"""The reference-feature cache: hits skip the extractor, any change of key misses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.extractors.cache import FeatureCache
from benchbench.extractors.digits_cnn import DigitsCNNExtractor
from benchbench.outputs.image import ImageEvaluator
from benchbench.suite.schema import Suite
from tests.support.suites import noise_suite

CPU = torch.device("cpu")


@pytest.fixture
def counted(monkeypatch):
    """Counts images that go through the digits-cnn network."""
    seen = {"images": 0}
    original = DigitsCNNExtractor._extract

    def extract(self, images):
        seen["images"] += len(images)
        return original(self, images)

    monkeypatch.setattr(DigitsCNNExtractor, "_extract", extract)
    return seen


def test_a_second_evaluator_reads_reference_features_from_the_cache(tmp_path, counted):
    suite = Suite.model_validate(
        noise_suite(metrics=["fd", "precision"], bootstrap={"resamples": 0})
    )
    samples = torch.rand(40, 1, 16, 16)
    first = ImageEvaluator(suite, CPU, cache=FeatureCache(tmp_path)).evaluate(samples)
    reference_size = 355 + len(samples)
    assert counted["images"] == reference_size
    second = ImageEvaluator(suite, CPU, cache=FeatureCache(tmp_path)).evaluate(samples)
    assert counted["images"] == reference_size + len(samples)  # only the new samples
    assert [r.value for r in first] == [r.value for r in second]
    assert not list(tmp_path.glob("*.tmp"))  # written atomically: no leftovers


def test_changing_the_data_or_the_extractor_identity_misses(tmp_path, counted, monkeypatch):
    cache = FeatureCache(tmp_path)
    extractor = DigitsCNNExtractor(CPU)
    images = torch.rand(5, 1, 16, 16)
    cache.extract("data-a", extractor, images)
    cache.extract("data-a", extractor, images)
    assert counted["images"] == 5
    cache.extract("data-b", extractor, images)
    assert counted["images"] == 10
    monkeypatch.setattr(DigitsCNNExtractor, "resize", "nearest")  # a different preprocessing
    hit = cache.extract("data-a", extractor, images)
    assert counted["images"] == 15 and len(list(tmp_path.glob("*.npz"))) == 3
    assert set(hit) == {"features", "logits"}


def test_an_unreadable_entry_is_recomputed(tmp_path, counted):
    cache = FeatureCache(tmp_path)
    extractor = DigitsCNNExtractor(CPU)
    images = torch.rand(3, 1, 16, 16)
    first = cache.extract("d", extractor, images)
    cache.path("d", extractor).write_bytes(b"truncated")
    again = cache.extract("d", extractor, images)
    assert counted["images"] == 6
    np.testing.assert_array_equal(first["features"].numpy(), again["features"].numpy())


def test_the_cache_directory_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHBENCH_CACHE_DIR", str(tmp_path / "c"))
    assert FeatureCache().root == tmp_path / "c"
