"""Text family: language models that continue prompts and score texts.

A text adapter's ``sample(n, generator, prompts=..., **params)`` continues each of the
``n`` prompts and returns a ``TextBatch``: the continuations (new text only), how many
new tokens each has, and the log-probability of each sampled token under the
sampling distribution. Every model generates exactly ``max_new_tokens`` tokens (end of
text is not allowed to stop it), so a call's token count is fixed and tokens/s is
new tokens over wall time.

``log_likelihood(text, stride)`` is the capability perplexity needs: the summed
natural-log probability of every token of ``text`` (each predicted from at most one
context window, advancing by ``stride``), and the token count. Per word and per byte
figures divide the same sum by the text's words or UTF-8 bytes, so models with
different tokenizers can be compared — provided every model scores the same event:
the exact text. A model with a closed vocabulary that scored each unseen word as one
``<unk>`` token would predict all unseen words at once and look better than it is, so
the n-gram spells unseen words (``benchbench.nets.lm.ngram``), and ``unseen`` (in the
perplexity signature) says how each model covers text outside its vocabulary.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from pydantic import Field

from benchbench.adapters.base import Adapter, NoParams
from benchbench.fieldtypes import Real, WholeNumber


class TextParams(NoParams):
    temperature: Real = Field(
        default=1.0, ge=0, description="softmax temperature; 0 picks the most likely token"
    )
    top_p: Real = Field(
        default=1.0, gt=0, le=1, description="nucleus: sample from the smallest set with mass p"
    )
    top_k: WholeNumber = Field(
        default=0, ge=0, description="sample from the k most likely (0: all)"
    )
    max_new_tokens: WholeNumber = Field(
        default=32, ge=1, le=32_768, description="tokens generated per prompt"
    )


@dataclass(frozen=True)
class TextBatch:
    """Continuations of one sampling call."""

    texts: list[str]
    new_tokens: list[int]
    token_logprobs: list[list[float]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class LogLikelihood:
    """Summed natural-log probability of a text's tokens, with what normalises it."""

    logprob: float
    tokens: int
    tokenizer: str  # what a token is, for the signature (e.g. "bpe-2048", "words")
    window: int  # context window in tokens (0: unbounded)
    stride: int
    unseen: str  # how text outside the vocabulary is scored (every byte must be)
    notes: tuple[str, ...] = ()


class TextAdapter(Adapter):
    """A language model. Subclasses implement ``load``, ``generate`` and ``log_likelihood``."""

    output = "text"
    Params: ClassVar[type[TextParams]] = TextParams
    tokenizer_name: str = "tokens"

    def sample(
        self, n: int, generator: torch.Generator, prompts: list[str] | None = None, **params: Any
    ) -> TextBatch:
        if prompts is None:
            raise ValueError(f"the {self.family} adapter continues prompts; none were given")
        if len(prompts) != n:
            raise ValueError(f"asked for {n} continuations of {len(prompts)} prompts")
        return self.generate(list(prompts), generator, **params)

    @abstractmethod
    def generate(self, prompts: list[str], generator: torch.Generator, **params: Any) -> TextBatch:
        """One continuation of ``max_new_tokens`` tokens per prompt."""

    @abstractmethod
    def log_likelihood(self, text: str, stride: int | None = None) -> LogLikelihood:
        """Log-probability of ``text`` (``stride``: window advance; ``None``: the default)."""


def filter_logits(
    logits: torch.Tensor, temperature: float, top_k: int, top_p: float
) -> torch.Tensor:
    """Log-probabilities of the sampling distribution (rows: positions; filtered to -inf).

    Order as in transformers' samplers: temperature, then top-k, then top-p (the most
    likely token is always kept). ``temperature == 0`` is greedy: all mass on the argmax.
    """
    logits = logits.double()
    if temperature == 0:
        out = torch.full_like(logits, float("-inf"))
        return out.scatter(-1, logits.argmax(-1, keepdim=True), 0.0)
    logits = logits / temperature
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        mass = sorted_logits.softmax(-1).cumsum(-1)
        drop = mass - sorted_logits.softmax(-1) >= top_p  # mass before this token already >= p
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return logits.log_softmax(-1)


def draw(logprobs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One token per row from log-probabilities, with ``generator``."""
    return torch.multinomial(logprobs.exp().float(), 1, generator=generator).squeeze(-1)
