"""Byte-level LSTM language models (``benchbench.nets.lm.lstm``) stored as benchbench checkpoints.

A token is a UTF-8 byte; continuations are decoded with invalid sequences replaced.
Perplexity runs the whole text through the recurrent state (no window to slide).
"""

from __future__ import annotations

from pathlib import Path

import torch

from benchbench.adapters.text_base import (
    LogLikelihood,
    TextAdapter,
    TextBatch,
    draw,
    filter_logits,
)
from benchbench.nets.lm.lstm import START, encode


class LSTMAdapter(TextAdapter):
    family = "lstm-lm"
    tokenizer_name = "utf8-bytes"

    def __init__(self, net: torch.nn.Module, device: torch.device):
        super().__init__(device)
        self.net = net.to(device).eval().requires_grad_(False)  # sampling and scoring only

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> LSTMAdapter:
        from benchbench.nets.checkpoint import load_checkpoint

        if weights is None:
            raise ValueError("the lstm-lm adapter needs a checkpoint file")
        return cls(load_checkpoint(weights).build(), device)

    @classmethod
    def check_weights(cls, weights: Path) -> None:
        from benchbench.nets.checkpoint import check_checkpoint

        check_checkpoint(weights)

    def generate(
        self,
        prompts: list[str],
        generator: torch.Generator,
        temperature: float = 1.0,
        top_p: float = 1.0,
        top_k: int = 0,
        max_new_tokens: int = 32,
    ) -> TextBatch:
        # Prompts differ in length: run each through the LSTM alone, then sample together.
        states, last = [], []
        for prompt in prompts:
            ids = torch.tensor([[START, *encode(prompt)]], device=self.device)
            logits, state = self.net(ids)
            states.append(state)
            last.append(logits[0, -1])
        h = torch.cat([s[0] for s in states], dim=1)
        c = torch.cat([s[1] for s in states], dim=1)
        logits = torch.stack(last)
        chosen, logprobs = [], []
        for _ in range(max_new_tokens):
            token = draw(filter_logits(logits, temperature, top_k, top_p), generator)
            logprobs.append(logits.double().log_softmax(-1).gather(-1, token[:, None])[:, 0])
            chosen.append(token)
            out, (h, c) = self.net(token[:, None], (h, c))
            logits = out[:, -1]
        tokens = torch.stack(chosen, dim=1).tolist()
        texts = [bytes(row).decode("utf-8", errors="replace") for row in tokens]
        return TextBatch(
            texts, [max_new_tokens] * len(prompts), torch.stack(logprobs, dim=1).tolist()
        )

    def log_likelihood(self, text: str, stride: int | None = None) -> LogLikelihood:
        ids = torch.tensor([[START, *encode(text)]], device=self.device)
        with torch.inference_mode():
            logits, _ = self.net(ids[:, :-1])
        logprob = logits[0].double().log_softmax(-1).gather(-1, ids[0, 1:, None]).sum()
        return LogLikelihood(
            float(logprob), ids.shape[1] - 1, self.tokenizer_name, 0, 0, unseen="none (bytes)"
        )
