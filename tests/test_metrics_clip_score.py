"""CLIP score: per-pair cosines equal the CLIP model's own logits on a tiny random CLIP saved
to disk; the per-pair clamp and mean match a closed form; missing weights are a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from benchbench.extractors.clip import HFCLIPEncoder
from benchbench.metrics.image.clip_score import clip_score, pair_cosines
from benchbench.metrics.stats import BootstrapSpec

PROMPTS = ["a handwritten seven", "a one", "the digit two", "three", "a zero", "nine"]


def byte_level_vocab() -> dict[str, int]:
    """CLIP's byte-to-character table with no merges: every byte is a token, alone or
    ending a word. Enough for a tokenizer that runs offline on any text."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = [chr(b) for b in printable]
    chars += [chr(256 + i) for i in range(256 - len(printable))]
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": i + len(chars) for i, c in enumerate(chars)})
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return vocab


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> Path:
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        CLIPProcessor,
        CLIPTokenizer,
    )

    directory = tmp_path_factory.mktemp("clip") / "tiny-clip"
    vocab = byte_level_vocab()
    small = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2}
    config = CLIPConfig(
        text_config={**small, "vocab_size": len(vocab), "num_attention_heads": 2},
        vision_config={**small, "image_size": 32, "patch_size": 8, "num_attention_heads": 2},
        projection_dim=16,
    )
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = CLIPModel(config)
    size = {"shortest_edge": 32}
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size=size, crop_size={"height": 32, "width": 32}),
        tokenizer=CLIPTokenizer(vocab=vocab, merges=[]),
    )
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


def images(n: int, channels: int = 3) -> torch.Tensor:
    return torch.rand(n, channels, 16, 16, generator=torch.Generator().manual_seed(n))


def test_pair_cosines_equal_the_clip_models_own_logits(tiny_clip):
    """Reference: CLIPModel.forward, which normalises both embeddings itself and returns
    logit_scale · cosine for every image × text; its diagonal over the scale is ours / 100.
    (torchmetrics' CLIPScore would be the natural reference, but 1.9 does not read the
    output objects transformers 5 returns.)"""
    encoder = HFCLIPEncoder(tiny_clip)
    batch = images(len(PROMPTS))
    pixels = (batch * 255.0).round().to(torch.uint8)
    inputs = encoder.processor(text=PROMPTS, images=list(pixels), return_tensors="pt", padding=True)
    with torch.no_grad():
        output = encoder.model(**inputs)
        reference = output.logits_per_image.diagonal() / encoder.model.logit_scale.exp()
    np.testing.assert_allclose(
        pair_cosines(encoder, batch, PROMPTS), 100.0 * reference.double().numpy(), atol=1e-4
    )


def test_grey_images_are_scored_as_three_channels(tiny_clip):
    encoder = HFCLIPEncoder(tiny_clip)
    grey = images(4, channels=1)
    np.testing.assert_allclose(
        pair_cosines(encoder, grey, PROMPTS[:4]),
        pair_cosines(encoder, grey.expand(-1, 3, -1, -1), PROMPTS[:4]),
        rtol=0,
        atol=1e-9,
    )


class FixedEncoder:
    """Embeddings chosen so each pair's cosine is known: 1, 0, -1, 0.5."""

    def __init__(self) -> None:
        self.identity = {"name": "fixed", "weights_sha256": "none"}

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)

    def encode_texts(self, texts) -> torch.Tensor:
        return torch.tensor(
            [[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0], [0.5, 0.75**0.5]], dtype=torch.float64
        )


def test_clamp_is_per_pair_and_the_interval_is_a_seeded_bootstrap():
    spec = BootstrapSpec(resamples=500, confidence=0.9, seed=4)
    result = clip_score(FixedEncoder(), images(4), ["a", "b", "c", "d"], spec)
    assert result.value == pytest.approx((100.0 + 0.0 + 0.0 + 50.0) / 4, abs=1e-9)
    assert result.n == 4 and result.higher_is_better and result.label == "CLIPScore[fixed]"
    assert result.ci_low < result.value < result.ci_high
    assert result.ci_low >= 0.0 - 1e-9 and result.ci_high <= 100.0 + 1e-9
    again = clip_score(FixedEncoder(), images(4), ["a", "b", "c", "d"], spec)
    assert (again.ci_low, again.ci_high) == (result.ci_low, result.ci_high)
    assert result.signature["clamp"] == "per-pair" and result.signature["ci"] == spec.signature()


def test_signature_names_the_encoder_weights(tiny_clip):
    encoder = HFCLIPEncoder(tiny_clip)
    result = clip_score(encoder, images(2), PROMPTS[:2])
    assert result.signature["encoder"]["name"] == "hf-clip:tiny-clip"
    assert len(result.signature["encoder"]["weights_sha256"]) == 64
    assert result.ci_low is None and 0.0 <= result.value <= 100.0


def test_mismatched_prompts_and_missing_weights_are_clear_errors(tiny_clip, tmp_path):
    with pytest.raises(ValueError, match="one prompt per image: 3 images, 2 prompts"):
        pair_cosines(HFCLIPEncoder(tiny_clip), images(3), PROMPTS[:2])
    (tmp_path / "config.json").write_text(json.dumps({}))
    with pytest.raises(FileNotFoundError, match=r"missing processor_config\.json"):
        HFCLIPEncoder(tmp_path)
