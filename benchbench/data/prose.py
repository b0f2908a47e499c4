"""English prose that ships with Python: the standard library's ``pydoc_data.topics``.

It is the text of the language reference's help topics (79 topics, ~65k words on
Python 3.11), present in every CPython install, so the text zoo trains and the text
suite runs offline. Its content changes between Python versions; ``corpus_hash``
identifies the exact text, and model cards and signatures record it.

The split is fixed and uses no RNG: topics in sorted order, each cut into paragraphs
at blank lines, whitespace inside a paragraph collapsed to single spaces; every tenth
paragraph of that sequence (positions 9, 19, 29, ...) is ``heldout``, the rest is
``train``. Texts join their paragraphs with newlines.

The continuation task cuts the held-out words, in order, into non-overlapping
windows of ``PROMPT_WORDS + CONTINUATION_WORDS`` words: the first part is the prompt,
the rest the reference continuation.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from benchbench.hashing import sha256_bytes

Split = Literal["train", "heldout"]
SPLITS: tuple[str, ...] = ("train", "heldout")
HELDOUT_EVERY = 10
PROMPT_WORDS = 24
CONTINUATION_WORDS = 24


@cache
def paragraphs() -> tuple[str, ...]:
    """Every paragraph of the corpus, whitespace collapsed, in the fixed order."""
    from pydoc_data.topics import topics

    out: list[str] = []
    for key in sorted(topics):
        for block in re.split(r"\n\s*\n", topics[key]):
            words = block.split()
            if words:
                out.append(" ".join(words))
    return tuple(out)


def split_paragraphs(split: Split) -> list[str]:
    if split not in SPLITS:
        raise ValueError(f"prose has no split {split!r}; splits: {', '.join(SPLITS)}")
    held = split == "heldout"
    return [
        p for i, p in enumerate(paragraphs()) if (i % HELDOUT_EVERY == HELDOUT_EVERY - 1) == held
    ]


def split_text(split: Split) -> str:
    """One split as a single text, paragraphs separated by newlines."""
    return "\n".join(split_paragraphs(split))


def shuffled_words(texts: list[str], seed: int = 0) -> list[str]:
    """Each text with its words in a seeded random order: the same words and bytes
    without the word order, the control of the perplexity sanity check."""
    rng = random.Random(seed)
    out = []
    for text in texts:
        words = text.split()
        rng.shuffle(words)
        out.append(" ".join(words))
    return out


def corpus_hash() -> str:
    return sha256_bytes("\n\n".join(paragraphs()).encode())


@dataclass(frozen=True)
class Continuations:
    """Prompts and their true continuations, plus the identity used in signatures."""

    dataset: str
    split: str
    prompts: tuple[str, ...]
    references: tuple[str, ...]

    @property
    def content_hash(self) -> str:
        return sha256_bytes("\x00".join(self.prompts + self.references).encode())

    @property
    def identity(self) -> str:
        return f"{self.dataset}/{self.split}@{self.content_hash[:16]}"

    def __len__(self) -> int:
        return len(self.prompts)


def continuations(split: Split = "heldout") -> Continuations:
    words = split_text(split).split()
    size = PROMPT_WORDS + CONTINUATION_WORDS
    windows = [words[i : i + size] for i in range(0, len(words) - size + 1, size)]
    return Continuations(
        "prose",
        split,
        tuple(" ".join(w[:PROMPT_WORDS]) for w in windows),
        tuple(" ".join(w[PROMPT_WORDS:]) for w in windows),
    )
