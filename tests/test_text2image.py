"""The text-to-image adapter: a tiny random Stable Diffusion pipeline saved with
``save_pretrained``, loaded from disk, sampled for prompts, and run as a suite cell.

The components are built the way diffusers' own pipeline tests build theirs (tiny
UNet2DConditionModel, AutoencoderKL, CLIPTextModel, a CLIP tokenizer over a small
vocabulary), so the loading code is the real one with no download.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from benchbench.adapters import resolve_adapter
from benchbench.adapters.architectures import PRESETS
from benchbench.adapters.text2image import MissingPipelineError, Text2ImageAdapter
from benchbench.report.summary import summarize_run
from benchbench.run.cell import batch_seed
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.suites import noise_suite

CPU = torch.device("cpu")
PROMPTS = ["a handwritten seven", "a handwritten one"]


def tiny_pipeline():
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    symbols = sorted(ByteLevel.alphabet())
    words = [*symbols, *(s + "</w>" for s in symbols), "<|startoftext|>", "<|endoftext|>"]
    vocab = {w: i for i, w in enumerate(words)}
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
    config = PRESETS["sd-tiny"].config
    text = {**config["text_encoder"], "bos_token_id": len(words) - 2, "eos_token_id": 1}
    text.pop("pad_token_id")
    return StableDiffusionPipeline(
        unet=UNet2DConditionModel(**config["unet"]),
        vae=AutoencoderKL(**config["vae"]),
        text_encoder=CLIPTextModel(CLIPTextConfig(**text)),
        tokenizer=tokenizer,
        scheduler=DDIMScheduler(
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            clip_sample=False,
            set_alpha_to_one=False,
            steps_offset=1,
        ),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


@pytest.fixture(scope="module")
def saved_pipeline(tmp_path_factory):
    path = tmp_path_factory.mktemp("sd") / "tiny-sd"
    tiny_pipeline().save_pretrained(path)
    return path


def draw(adapter, seed, **params):
    options = {"steps": 2, "height": 32, "width": 32, **params}
    return adapter.sample(2, torch.Generator().manual_seed(seed), prompts=PROMPTS, **options)


def test_registered_and_takes_prompts(saved_pipeline):
    adapter = resolve_adapter("text2image").load(saved_pipeline, CPU)
    assert adapter.accepts("prompts") and not adapter.accepts("labels")


def test_pipeline_from_disk_draws_seeded_images_in_the_unit_range(saved_pipeline):
    adapter = Text2ImageAdapter.load(saved_pipeline, CPU)
    images = draw(adapter, seed=3)
    assert images.shape == (2, 3, 32, 32) and images.dtype == torch.float32
    assert float(images.min()) >= 0.0 and float(images.max()) <= 1.0
    assert float(images.std()) > 0  # not a constant image
    assert torch.equal(images, draw(adapter, seed=3))
    assert not torch.equal(images, draw(adapter, seed=4))


def test_images_are_the_pipelines_own_for_the_same_arguments(saved_pipeline):
    """Prompts, steps, guidance, negative prompt and size reach diffusers unchanged."""
    from diffusers import StableDiffusionPipeline

    adapter = Text2ImageAdapter.load(saved_pipeline, CPU)
    ours = draw(adapter, seed=5, guidance=3.0, negative_prompt="a blurry digit")
    pipeline = StableDiffusionPipeline.from_pretrained(saved_pipeline, local_files_only=True)
    pipeline.set_progress_bar_config(disable=True)
    theirs = pipeline(
        prompt=PROMPTS,
        negative_prompt=["a blurry digit"] * 2,
        num_inference_steps=2,
        guidance_scale=3.0,
        height=32,
        width=32,
        generator=torch.Generator().manual_seed(5),
        output_type="pt",
    ).images
    assert torch.allclose(ours, theirs, atol=1e-6)
    assert not torch.allclose(ours, draw(adapter, seed=5, guidance=3.0), atol=1e-4)


def test_missing_or_wrong_directories_and_missing_prompts_are_clear_errors(
    saved_pipeline, tmp_path
):
    with pytest.raises(MissingPipelineError, match=r"not a directory.*never downloads"):
        Text2ImageAdapter.load(tmp_path / "absent", CPU)
    with pytest.raises(MissingPipelineError, match=r"no model_index\.json"):
        Text2ImageAdapter.load(saved_pipeline / "unet", CPU)
    adapter = Text2ImageAdapter.load(saved_pipeline, CPU)
    with pytest.raises(ValueError, match="set the suite's `prompts:`"):
        adapter.sample(2, torch.Generator().manual_seed(0), steps=1)
    with pytest.raises(ValueError, match="2 images of 1 prompts"):
        adapter.sample(2, torch.Generator().manual_seed(0), prompts=PROMPTS[:1], steps=1)


def test_a_suite_cell_runs_the_pipeline_on_the_suites_prompts(saved_pipeline, write_suite):
    suite_path = write_suite(
        noise_suite(
            prompts="prompts.txt",
            sampling={"num_samples": 4, "batch_size": 2},
            timing={"warmup": 1, "min_repeats": 1, "min_seconds": 0.0},
            models=[
                {
                    "name": "tiny-sd",
                    "adapter": "text2image",
                    "weights": str(saved_pipeline),
                    "params": {"steps": 2, "height": 32, "width": 32, "guidance": [1.0, 3.0]},
                }
            ],
        )
    )
    (suite_path.parent / "prompts.txt").write_text("a handwritten seven\na handwritten one\n")
    loaded = load_suite(suite_path)
    with Store(suite_path.parent / "t2i.duckdb") as store:
        result = run_suite(loaded, store)
        rows = summarize_run(store, result.run_id)
        npz = store.query(
            "SELECT a.content FROM run_cells rc JOIN artifacts a USING (cell_id) "
            "WHERE rc.run_id = ? AND a.name = 'samples.npz' ORDER BY rc.position",
            [result.run_id],
        )
    assert result.status == "complete", [r.error for r in rows]
    assert [r.suite_params["guidance"] for r in rows] == [1.0, 3.0]
    assert all(r.speed["samples_per_s"].value > 0 for r in rows)
    # The stored samples of the first cell are the adapter's own images for the same prompts.
    stored = np.load(io.BytesIO(bytes(npz.content[0])))["images"]
    adapter = Text2ImageAdapter.load(saved_pipeline, CPU)
    first = draw(adapter, seed=batch_seed(0, 0), guidance=1.0)
    assert stored.shape == (4, 3, 32, 32)
    assert np.abs(stored[:2].astype(int) - (first * 255).round().numpy()).max() <= 1
