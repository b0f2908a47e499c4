"""Text-to-image pipelines: a diffusers pipeline (Stable Diffusion first) asked for prompts.

Weights are a diffusers pipeline directory, as ``save_pretrained`` writes it
(``model_index.json`` and one folder per component), loaded with
``DiffusionPipeline.from_pretrained(..., local_files_only=True)``: the pipeline class
comes from ``model_index.json``, so any text-to-image pipeline that takes ``prompt``,
``num_inference_steps``, ``guidance_scale`` and ``height``/``width`` works. Nothing is
ever downloaded. A safety checker, where the pipeline ships one, is left out: it is not
part of the generator being timed.

Each call gets the batch's prompt strings (the suite's ``prompts:``, sample i asked
for prompt i mod the number of prompts); ``steps``, ``guidance`` (classifier-free,
diffusers' convention: 1 or less turns it off), ``negative_prompt``, ``height``/``width``
and ``dtype`` are parameters. Images come back as the contract says: [0, 1], NCHW.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from pydantic import Field

from benchbench.adapters.base import (
    Adapter,
    DType,
    NoParams,
    diffusers_to,
    dtype_field,
    seeded,
    torch_dtype,
)
from benchbench.fieldtypes import Real, WholeNumber


class Text2ImageParams(NoParams):
    steps: WholeNumber = Field(
        default=50, ge=1, le=1000, description="denoising steps (UNet passes)"
    )
    guidance: Real = Field(
        default=7.5,
        ge=0,
        le=50,
        description="classifier-free guidance scale (<= 1: off, one UNet pass per step)",
    )
    negative_prompt: str | None = Field(
        default=None, description="what the images should not show (replaces the empty prompt)"
    )
    height: WholeNumber | None = Field(
        default=None,
        ge=8,
        le=8192,
        multiple_of=8,
        description="pixels (default: the pipeline's own)",
    )
    width: WholeNumber | None = Field(
        default=None,
        ge=8,
        le=8192,
        multiple_of=8,
        description="pixels (default: the pipeline's own)",
    )
    dtype: DType = dtype_field("auto")


class MissingPipelineError(FileNotFoundError):
    """A pipeline directory that is not on disk or not a diffusers pipeline."""


def check_pipeline_dir(path: Path | None) -> Path:
    if path is None or not path.is_dir():
        raise MissingPipelineError(
            f"a text-to-image pipeline must be a local diffusers directory written by "
            f"save_pretrained (model_index.json, unet/, vae/, text_encoder/, tokenizer/, "
            f"scheduler/); {path} is not a directory. benchbench never downloads: copy the "
            f"pipeline there, or point to its snapshot folder in the Hugging Face cache"
        )
    if not (path / "model_index.json").is_file():
        raise MissingPipelineError(
            f"{path} has no model_index.json: not a diffusers pipeline directory"
        )
    return path


class Text2ImageAdapter(Adapter):
    """A diffusers text-to-image pipeline on one device, in one dtype."""

    family = "text2image"
    Params = Text2ImageParams
    load_params = ("dtype",)

    def __init__(self, pipeline: Any, device: torch.device, dtype: str = "auto"):
        super().__init__(device)
        self.pipeline = diffusers_to(pipeline, device, torch_dtype(dtype, device))
        self.pipeline.set_progress_bar_config(disable=True)

    @classmethod
    def load(cls, weights: Path | None, device: torch.device, dtype: str = "auto") -> Adapter:
        from diffusers import DiffusionPipeline

        path = check_pipeline_dir(weights)
        index = json.loads((path / "model_index.json").read_text(encoding="utf-8"))
        without_checker = {"safety_checker": None} if "safety_checker" in index else {}
        pipeline = DiffusionPipeline.from_pretrained(path, local_files_only=True, **without_checker)
        return cls(pipeline, device, dtype)

    @classmethod
    def check_weights(cls, weights: Path) -> None:
        check_pipeline_dir(weights)

    @classmethod
    def build(cls, config: dict[str, Any], device: torch.device, dtype: str = "auto") -> Adapter:
        """``config``: ``unet`` (UNet2DConditionModel), ``text_encoder`` (CLIPTextConfig),
        ``vae`` (AutoencoderKL) and ``scheduler`` (``class`` + its config); the tokenizer
        is byte-level (``benchbench.adapters.architectures.byte_tokenizer``), padded to the text
        encoder's positions as CLIP's is."""
        import diffusers
        from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel
        from transformers import CLIPTextConfig, CLIPTextModel

        from benchbench.adapters.architectures import byte_tokenizer

        text = CLIPTextConfig(**config["text_encoder"])
        scheduler = dict(config["scheduler"])
        scheduler_class = getattr(diffusers, scheduler.pop("class"))
        pipeline = StableDiffusionPipeline(
            unet=seeded(lambda: UNet2DConditionModel(**config["unet"])),
            vae=seeded(lambda: AutoencoderKL(**config["vae"])),
            text_encoder=seeded(lambda: CLIPTextModel(text)),
            tokenizer=byte_tokenizer(text.max_position_embeddings),
            scheduler=scheduler_class.from_config(scheduler),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
        return cls(pipeline, device, dtype)

    def networks(self) -> list[torch.nn.Module]:
        return [c for c in self.pipeline.components.values() if isinstance(c, torch.nn.Module)]

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        prompts: list[str] | None = None,
        steps: int = 50,
        guidance: float = 7.5,
        negative_prompt: str | None = None,
        height: int | None = None,
        width: int | None = None,
    ) -> torch.Tensor:
        if prompts is None:
            raise ValueError(
                "the text2image adapter draws images of prompts: set the suite's `prompts:` "
                "to a prompt file"
            )
        if len(prompts) != n:
            raise ValueError(f"asked for {n} images of {len(prompts)} prompts")
        result = self.pipeline(
            prompt=list(prompts),
            negative_prompt=None if negative_prompt is None else [negative_prompt] * n,
            num_inference_steps=steps,
            guidance_scale=guidance,
            height=height,
            width=width,
            generator=generator,
            output_type="pt",
        )
        return result.images
