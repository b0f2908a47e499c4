"""The embedded digits-CLIP: it reads digits from prompts, and CLIP score computed with it
separates right prompts from wrong ones on real held-out digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.data.digits import load_digits
from benchbench.extractors.clip import load_encoder
from benchbench.metrics.image.clip_score import clip_score
from benchbench.metrics.stats import BootstrapSpec
from benchbench.nets.digits_clip import UNKNOWN, DigitsCLIP
from benchbench.suite.prompts import DIGIT_WORDS
from benchbench.zoo import card


@pytest.fixture(scope="module")
def encoder():
    return load_encoder("zoo:digits-clip")


def test_zero_shot_accuracy_is_the_carded_one(encoder):
    from benchbench.train.recipes import zero_shot_accuracy

    images, labels = load_digits("test")
    accuracy = zero_shot_accuracy(encoder.net, images, labels)
    assert accuracy == pytest.approx(card("digits-clip")["zero_shot_accuracy"], abs=1e-3)
    assert accuracy >= 0.9


def test_templates_of_one_digit_agree_more_than_different_digits(encoder):
    texts = encoder.encode_texts(["a handwritten seven", "the digit 7", "a handwritten one"])
    same, different = float(texts[0] @ texts[1]), float(texts[0] @ texts[2])
    assert same > different + 0.3


def test_clip_score_separates_right_and_wrong_prompts(encoder):
    images, labels = load_digits("test")
    right = [f"a handwritten {DIGIT_WORDS[d]}" for d in labels.tolist()]
    wrong = [f"a handwritten {DIGIT_WORDS[(d + 1) % 10]}" for d in labels.tolist()]
    spec = BootstrapSpec(resamples=200, seed=0)
    good, bad = clip_score(encoder, images, right, spec), clip_score(encoder, images, wrong, spec)
    assert good.ci_low > bad.ci_high
    assert good.signature["encoder"]["name"] == "digits-clip"
    assert good.signature["encoder"]["weights_sha256"] == card("digits-clip")["weights_sha256"]


def test_tokenizer_maps_unknown_words_and_pads():
    net = DigitsCLIP(["a", "seven"])
    tokens = net.tokenize(["a seven", "a purple seven cat", ""])
    assert tokens.shape == (3, 4)
    assert tokens[1].tolist() == [2, UNKNOWN, 3, UNKNOWN] and tokens[2].tolist() == [
        UNKNOWN,
        0,
        0,
        0,
    ]
    assert np.isfinite(net.encode_texts(["", "zzz"]).detach().numpy()).all()
    assert torch.allclose(net.encode_texts(["a seven"]).norm(dim=-1), torch.ones(1))
