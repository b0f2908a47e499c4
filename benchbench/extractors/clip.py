"""Contrastive text–image encoders (CLIP and the zoo's ``digits-clip``): the CLIP score
measures agreement in their embedding space, and CLIP guidance steers diffusion with it.

Real CLIP is read from a local ``transformers`` directory (``CLIPModel`` + ``CLIPProcessor``
saved with ``save_pretrained``); nothing is downloaded. An encoder's ``identity`` (name and
weights hash) enters every signature its embeddings reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import torch

from benchbench.hashing import sha256_tree
from benchbench.nets.checkpoint import load_checkpoint
from benchbench.zoo import weights_path

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
        return CheckpointEncoder(weights_path(spec.removeprefix("zoo:")), device)
    path = Path(spec)
    return HFCLIPEncoder(path, device) if path.is_dir() else CheckpointEncoder(path, device)


def _embedding(output: Any) -> torch.Tensor:
    """transformers returns a tensor, or an output object holding the pooled projection."""
    return output if isinstance(output, torch.Tensor) else output.pooler_output
