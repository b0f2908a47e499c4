"""A byte-level LSTM language model: any text is a byte sequence, so nothing is unseen.

Training text starts each paragraph after a newline, so a newline (byte 10) is the
context before the first byte of a text.
"""

from __future__ import annotations

import torch
from torch import nn

START = 10  # "\n"


class ByteLSTM(nn.Module):
    """Embedding → LSTM → linear over 256 byte values."""

    def __init__(self, embed: int = 32, hidden: int = 256, layers: int = 1):
        super().__init__()
        self.embed = nn.Embedding(256, embed)
        self.lstm = nn.LSTM(embed, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, 256)

    def forward(
        self, ids: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Logits ``[B, T, 256]`` for the next byte after each position, and the state."""
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def encode(text: str) -> list[int]:
    return list(text.encode("utf-8"))
