"""``DigitsCLIP``: a small contrastive image–text model for digits, trained by this project.

It plays the role CLIP plays for text-to-image models — a shared embedding in which an
image and the prompt it shows are close — on the only domain the embedded zoo knows. It
is not CLIP: its "language" is a few dozen words of prompt templates ("a handwritten
seven", "the digit 7"), and words outside them map to one unknown token.

Image tower: the digits-CNN convolution blocks and a linear projection. Text tower: the
mean of word embeddings (word order does not matter in such short prompts) and a small
MLP. Both outputs are L2-normalised; their dot product is the cosine of CLIP score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from benchbench.nets.classifier import _conv_block

PAD, UNKNOWN = 0, 1
_WORD = re.compile(r"[a-z]+|\d")


class DigitsCLIP(nn.Module):
    def __init__(self, vocabulary: Sequence[str], embed_dim: int = 32, width: int = 32) -> None:
        super().__init__()
        self.vocabulary = list(vocabulary)
        self.index = {word: i + 2 for i, word in enumerate(self.vocabulary)}  # after PAD, UNK
        self.image_tower = nn.Sequential(
            _conv_block(1, width),  # 8×8
            _conv_block(width, 2 * width),  # 4×4
            nn.Flatten(),
            nn.Linear(2 * width * 16, embed_dim),
        )
        self.words = nn.EmbeddingBag(len(self.vocabulary) + 2, width, mode="mean", padding_idx=PAD)
        self.text_tower = nn.Sequential(
            nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, embed_dim)
        )
        self.logit_scale = nn.Parameter(torch.tensor(2.659))  # log(1 / 0.07), as CLIP starts

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        """Word indices ``[N, L]`` (PAD-filled); unknown words → UNKNOWN, empty text → UNKNOWN."""
        rows = [
            [self.index.get(w, UNKNOWN) for w in _WORD.findall(t.lower())] or [UNKNOWN]
            for t in texts
        ]
        length = max(len(r) for r in rows)
        return torch.tensor([r + [PAD] * (length - len(r)) for r in rows], dtype=torch.long)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        """``[N, 1, 16, 16]`` in [0, 1] → unit vectors ``[N, embed_dim]``."""
        return F.normalize(self.image_tower(images * 2.0 - 1.0), dim=-1)

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """Prompts → unit vectors ``[N, embed_dim]``."""
        device = self.logit_scale.device
        return F.normalize(self.text_tower(self.words(self.tokenize(texts).to(device))), dim=-1)

    def forward(self, images: torch.Tensor, texts: Sequence[str]) -> torch.Tensor:
        """Logits ``[N_images, N_texts]``: scaled cosines, as CLIP's ``logits_per_image``."""
        return self.logit_scale.exp() * self.encode_images(images) @ self.encode_texts(texts).T
