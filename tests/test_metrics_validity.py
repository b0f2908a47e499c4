"""Validity on real images: digits test split (reference) against distorted train split."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchbench.data.digits import load_digits
from benchbench.extractors.cache import FeatureCache
from benchbench.extractors.digits_cnn import DigitsCNNExtractor
from benchbench.metrics import MetricSetupError
from benchbench.metrics.features import density_coverage, frechet_distance, precision_recall
from benchbench.outputs.image import ImageEvaluator
from benchbench.suite.schema import Suite
from tests.support.suites import noise_suite

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def digits():
    extractor = DigitsCNNExtractor(CPU)
    test, _ = load_digits("test")
    train, labels = load_digits("train")
    return extractor, extractor(test).double().numpy(), train, labels


def gaussian_noise(x, s, g):
    return (x + s * 0.4 * torch.randn(x.shape, generator=g)).clamp(0, 1)


def blur(x, s, g):
    if s == 0:
        return x
    radius = int(np.ceil(2 * s))
    taps = torch.exp(-(torch.arange(-radius, radius + 1.0) ** 2) / (2 * (s * 1.0) ** 2))
    kernel = (taps[:, None] * taps[None, :]) / taps.sum() ** 2
    return F.conv2d(F.pad(x, [radius] * 4, mode="replicate"), kernel[None, None])


def salt_and_pepper(x, s, g):
    u = torch.rand(x.shape, generator=g)
    x = x.clone()
    x[u < s * 0.15] = 0.0
    x[u > 1 - s * 0.15] = 1.0
    return x


def occlude(x, s, g):
    x = x.clone()
    size = round(s * 8)
    if size:
        top = torch.randint(0, 16 - size + 1, (len(x),), generator=g)
        left = torch.randint(0, 16 - size + 1, (len(x),), generator=g)
        for i in range(len(x)):
            x[i, :, top[i] : top[i] + size, left[i] : left[i] + size] = 0.5
    return x


@pytest.mark.slow
@pytest.mark.parametrize("distort", [gaussian_noise, blur, salt_and_pepper, occlude])
def test_fd_rises_with_distortion_strength(digits, distort):
    extractor, reference, train, _ = digits
    values = []
    for strength in (0.0, 0.25, 0.5, 0.75, 1.0):
        images = distort(train, strength, torch.Generator().manual_seed(0))
        values.append(frechet_distance(reference, extractor(images).double().numpy()))
    assert all(a < b for a, b in itertools.pairwise(values)), values


def test_dropping_classes_lowers_recall_and_coverage_but_not_precision(digits):
    extractor, reference, train, labels = digits
    full = extractor(train).double().numpy()
    kept = extractor(train[labels < 5]).double().numpy()
    precision_all, recall_all = precision_recall(reference, full)
    precision_half, recall_half = precision_recall(reference, kept)
    coverage_all = density_coverage(reference, full)[1]
    coverage_half = density_coverage(reference, kept)[1]
    assert recall_half < recall_all - 0.3 and coverage_half < coverage_all - 0.3
    assert precision_half > 0.85 and precision_all > 0.85


def test_identical_sets_give_zero_and_batch_size_does_not_matter(digits):
    extractor, reference, train, _ = digits
    assert frechet_distance(reference, reference) == pytest.approx(0.0, abs=1e-4)  # round-off
    small = extractor.extract(train, batch_size=7)
    large = extractor.extract(train, batch_size=1024)
    for name in ("features", "logits"):
        torch.testing.assert_close(small[name], large[name], rtol=1e-5, atol=1e-5)
    a, b = small["features"].double().numpy(), large["features"].double().numpy()
    assert frechet_distance(reference, a) == pytest.approx(frechet_distance(reference, b), rel=1e-5)


def test_evaluator_feeds_logits_images_and_the_model(tmp_path):
    from benchbench.adapters.vae import VAEAdapter
    from benchbench.zoo import weights_path

    suite = Suite.model_validate(
        noise_suite(metrics=["is", "ppl", "coverage"], bootstrap={"resamples": 20})
    )
    evaluator = ImageEvaluator(suite, CPU, cache=FeatureCache(tmp_path))
    vae = VAEAdapter.load(weights_path("vae-digits"), CPU)
    samples = vae.sample(200, torch.Generator().manual_seed(0))
    results = {r.metric: r for r in evaluator.evaluate(samples, adapter=vae)}
    assert results["is"].label == "IS[digits-cnn]" and 1.0 < results["is"].value <= 10.0
    assert results["ppl"].label == "PPL[digits-cnn]" and results["ppl"].value > 0
    assert results["ppl"].ci_low <= results["ppl"].value <= results["ppl"].ci_high
    with pytest.raises(MetricSetupError, match="needs the model"):
        evaluator.evaluate(samples)
