"""CLIP score (Hessel et al., 2021): how well each image matches its prompt.

    CLIPScore(I, C) = max(100 · cos(E_I, E_C), 0),  averaged over the (image, prompt) pairs

with ``E_I`` and ``E_C`` a contrastive model's image and text embeddings. The clamp is
per pair, as the paper defines it (with weight 100 instead of its 2.5, as torchmetrics
and most text-to-image papers report it). torchmetrics' ``CLIPScore`` clamps the mean
instead; the two agree whenever no pair has a negative cosine, which is the usual case
for real CLIP models on real prompts. The interval is a bootstrap over pairs.

The score is only as meaningful as the encoder: the signature names it (directory name
and weights hash), and values are comparable only between equal encoders. Real CLIP is
read from a local ``transformers`` directory (``CLIPModel`` + ``CLIPProcessor`` saved
with ``save_pretrained``); nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from benchbench.hashing import sha256_tree
from benchbench.metrics import Metric, MetricInputs, MetricResult, MetricSetup
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval

SCALE = 100.0
VERSION = "1"
DEFAULT_ENCODER = "zoo:digits-clip"  # the embedded one; real CLIP: a transformers directory


class TextImageEncoder(Protocol):
    """A contrastive text–image model: embeddings whose cosine scores agreement."""

    identity: dict[str, Any]

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        """``[N, C, H, W]`` images in [0, 1] → ``[N, D]`` embeddings."""

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """``N`` strings → ``[N, D]`` embeddings."""


class HFCLIPEncoder:
    """A ``transformers`` CLIP model and processor from a local directory."""

    REQUIRED = ("config.json", "processor_config.json")

    def __init__(self, directory: str | Path, device: torch.device | str = "cpu") -> None:
        from transformers import CLIPModel, CLIPProcessor

        self.directory = Path(directory)
        missing = [name for name in self.REQUIRED if not (self.directory / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"{self.directory} is not a CLIP model directory: missing {', '.join(missing)} "
                "(save a transformers CLIPModel and its CLIPProcessor there with "
                "save_pretrained; benchbench does not download weights)"
            )
        self.device = torch.device(device)
        self.model = CLIPModel.from_pretrained(self.directory).to(self.device).eval()
        self.processor = CLIPProcessor.from_pretrained(self.directory)
        self.identity = {
            "name": f"hf-clip:{self.directory.name}",
            "weights_sha256": sha256_tree(self.directory),
        }

    @torch.no_grad()
    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        # The processor expects 0–255 pixels with three channels, as CLIP was trained on.
        pixels = (images.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8).cpu()
        if pixels.shape[1] == 1:
            pixels = pixels.expand(-1, 3, -1, -1)
        batch = self.processor(images=list(pixels), return_tensors="pt")
        return _embedding(self.model.get_image_features(batch["pixel_values"].to(self.device)))

    @torch.no_grad()
    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        batch = self.processor(
            text=list(texts), return_tensors="pt", padding=True, truncation=True
        ).to(self.device)
        return _embedding(self.model.get_text_features(batch["input_ids"], batch["attention_mask"]))


class CheckpointEncoder:
    """A text–image model saved as a benchbench checkpoint (the zoo's ``digits-clip``):
    any net with ``encode_images`` and ``encode_texts``."""

    def __init__(self, path: str | Path, device: torch.device | str = "cpu") -> None:
        from benchbench.nets.checkpoint import load_checkpoint

        checkpoint = load_checkpoint(path)
        self.device = torch.device(device)
        self.net = checkpoint.build().to(self.device)
        self.identity = {"name": checkpoint.arch, "weights_sha256": sha256_tree(Path(path))}

    @torch.no_grad()
    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        return self.net.encode_images(images.to(self.device))

    @torch.no_grad()
    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        return self.net.encode_texts(list(texts))


def load_encoder(spec: str, device: torch.device | str = "cpu") -> TextImageEncoder:
    """``zoo:NAME`` (a zoo checkpoint), a benchbench checkpoint file, or a transformers
    CLIP directory."""
    if spec.startswith("zoo:"):
        from benchbench.zoo import weights_path

        return CheckpointEncoder(weights_path(spec.removeprefix("zoo:")), device)
    path = Path(spec)
    return HFCLIPEncoder(path, device) if path.is_dir() else CheckpointEncoder(path, device)


def _embedding(output: Any) -> torch.Tensor:
    """transformers returns a tensor, or an output object holding the pooled projection."""
    return output if isinstance(output, torch.Tensor) else output.pooler_output


def pair_cosines(
    encoder: TextImageEncoder, images: torch.Tensor, prompts: Sequence[str]
) -> np.ndarray:
    """``100 · cos(E_I, E_C)`` per (image, prompt) pair, unclamped, float64."""
    if len(images) != len(prompts):
        raise ValueError(
            f"CLIP score needs one prompt per image: {len(images)} images, {len(prompts)} prompts"
        )
    image = encoder.encode_images(images).double()
    text = encoder.encode_texts(prompts).double().to(image.device)
    cosine = torch.nn.functional.cosine_similarity(image, text, dim=-1)
    return (SCALE * cosine).cpu().numpy()


def clip_score(
    encoder: TextImageEncoder,
    images: torch.Tensor,
    prompts: Sequence[str],
    bootstrap: BootstrapSpec | None = None,
) -> MetricResult:
    """Mean per-pair CLIP score with a bootstrap interval over pairs."""
    scores = np.maximum(pair_cosines(encoder, images, prompts), 0.0)
    value, low, high = estimate_with_interval(
        lambda w: float(w @ scores / w.sum()), [len(scores)], bootstrap
    )
    return MetricResult(
        metric="clip-score",
        label=f"CLIPScore[{encoder.identity['name']}]",
        value=value,
        ci_low=low,
        ci_high=high,
        n=len(scores),
        unit="",
        higher_is_better=True,
        signature={
            "metric": "clip-score",
            "version": VERSION,
            "encoder": encoder.identity,
            "scale": SCALE,
            "clamp": "per-pair",
            "ci": bootstrap.signature() if bootstrap else None,
            "n": len(scores),
        },
    )


class CLIPScore(Metric):
    """``clip-score`` of a conditional suite: each sample against its prompt's text, with
    the embedded digits-CLIP (the only text–image encoder that works offline here)."""

    name = "clip-score"
    version = VERSION
    higher_is_better = True
    inputs = ("images", "conditions")

    def __init__(
        self,
        encoder: str = DEFAULT_ENCODER,
        device: torch.device | str = "cpu",
        bootstrap: BootstrapSpec | None = None,
    ):
        self.encoder = load_encoder(encoder, device)
        self.bootstrap = bootstrap
        self._images: list[torch.Tensor] = []
        self._prompts: list[str] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> CLIPScore:
        return cls(device=setup.device or "cpu", bootstrap=setup.bootstrap)

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("images"), [c.text for c in inputs.get("conditions")])

    def update(self, images: torch.Tensor, prompts: Sequence[str]) -> None:
        self._images.append(images.detach().float().cpu())
        self._prompts.extend(prompts)

    def compute(self, shared: dict[Any, Any] | None = None) -> MetricResult:
        return clip_score(self.encoder, torch.cat(self._images), self._prompts, self.bootstrap)
