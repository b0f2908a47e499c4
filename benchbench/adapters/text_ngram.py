"""Word n-gram language models (``benchbench.nets.lm.ngram``) as a text adapter.

A token is a whitespace-separated word; continuations are words joined by spaces.
Unseen prompt words become ``<unk>`` in the context, and sampling never emits
``<unk>`` or ``<s>`` (their mass is removed and the rest renormalised). Perplexity
scores an unseen word as ``<unk>`` times its spelling, so that it covers the same
bytes as the other models.
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
from benchbench.nets.lm.ngram import KneserNeyLM


class NGramAdapter(TextAdapter):
    family = "ngram-lm"

    def __init__(self, lm: KneserNeyLM, device: torch.device):
        super().__init__(device)
        self.lm = lm
        self.tokenizer_name = f"words-{lm.vocab_size}"

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> NGramAdapter:
        if weights is None or not weights.is_file():
            raise FileNotFoundError(f"an n-gram model is one .npz file; {weights} is not a file")
        return cls(KneserNeyLM.load(weights), torch.device("cpu"))

    @classmethod
    def check_weights(cls, weights: Path) -> None:
        if not weights.is_file():
            raise FileNotFoundError(f"an n-gram model is one .npz file; {weights} is not a file")
        KneserNeyLM.check(weights)

    def generate(
        self,
        prompts: list[str],
        generator: torch.Generator,
        temperature: float = 1.0,
        top_p: float = 1.0,
        top_k: int = 0,
        max_new_tokens: int = 32,
    ) -> TextBatch:
        cpu = torch.Generator().manual_seed(
            int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))
        )
        texts, logprobs = [], []
        for prompt in prompts:
            ids = self.lm.encode(prompt.split())
            chosen: list[float] = []
            for _ in range(max_new_tokens):
                p = torch.from_numpy(self.lm.distribution(self.lm.context(ids)))
                model_logp = p.log()
                p[:2] = 0.0  # never emit <unk> or <s>
                sampling = filter_logits((p / p.sum()).log(), temperature, top_k, top_p)
                token = int(draw(sampling, cpu))
                ids.append(token)
                chosen.append(float(model_logp[token]))
            texts.append(" ".join(self.lm.vocab[i] for i in ids[len(ids) - max_new_tokens :]))
            logprobs.append(chosen)
        return TextBatch(texts, [max_new_tokens] * len(prompts), logprobs)

    def log_likelihood(self, text: str, stride: int | None = None) -> LogLikelihood:
        """Words scored from the ``order - 1`` words before them (no window to slide)."""
        logprobs = self.lm.log_prob_tokens(text.split())
        return LogLikelihood(
            sum(logprobs),
            len(logprobs),
            self.tokenizer_name,
            self.lm.order - 1,
            1,
            unseen="<unk> x byte-bigram spelling",
            notes=("text is scored as its words joined by single spaces",),
        )
