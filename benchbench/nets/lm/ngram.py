"""A word n-gram language model with interpolated Kneser–Ney smoothing.

Tokens are whitespace-separated words (the model sees a text as one word stream and
cannot reproduce line breaks). Smoothing follows Chen & Goodman (1998), interpolated
KN with one absolute discount per order, ``D = n1 / (n1 + 2 n2)`` from that order's
count-of-counts: the highest order uses raw counts, lower orders continuation counts
(how many distinct words precede an n-gram), and the recursion ends in a uniform
distribution over the vocabulary plus ``<unk>``.

The vocabulary is open: an unseen word ``w`` is ``<unk>`` *and then its spelling*,
``P(w | h) = P(<unk> | h) · P_spell(w)``. Scoring it as ``<unk>`` alone would predict
every unseen word at once and make perplexity incomparable with models that must
spell each word (BPE, bytes). ``P_spell`` is a byte-bigram model of a word's UTF-8
bytes between word-start and word-end symbols, add-one smoothed, fitted on the
training vocabulary (word types: unseen words look more like rare words than like
frequent ones); it sums to one over all byte strings, so no probability is invented.

The model is stored as a compressed ``.npz``: vocabulary, order, per order the
(history ids, word id, count) rows, and the spelling model's bigram counts.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BOS = "<s>"
UNK = "<unk>"
EDGE = 256  # the spelling model's word-start (as a previous symbol) and word-end symbol


@dataclass
class _Table:
    """One order's counts: history → (word ids, counts), totals and distinct followers."""

    followers: dict[tuple[int, ...], dict[int, float]]
    discount: float

    def __post_init__(self) -> None:
        self.totals = {h: sum(ws.values()) for h, ws in self.followers.items()}
        self.arrays = {
            h: (np.fromiter(ws, np.int64), np.fromiter(ws.values(), np.float64))
            for h, ws in self.followers.items()
        }


def words(text: str) -> list[str]:
    return text.split()


def _discount(counts: Iterable[float]) -> float:
    of = Counter(int(c) for c in counts if c <= 2)
    n1, n2 = of[1], of[2]
    if n1 == 0:
        return 0.5
    return n1 / (n1 + 2 * n2)


class Spelling:
    """``P_spell(word)``: add-one byte bigrams, from word-start to word-end.

    ``counts[a, b]``: how often symbol ``b`` follows ``a`` in the training words, where
    ``a`` is a byte or ``EDGE`` (word start) and ``b`` a byte or ``EDGE`` (word end).
    """

    def __init__(self, counts: np.ndarray):
        if counts.shape != (EDGE + 1, EDGE + 1):
            raise ValueError(f"spelling counts must be {EDGE + 1}x{EDGE + 1}, got {counts.shape}")
        self.counts = np.asarray(counts, np.int64)
        self.log_probs = np.log(
            (self.counts + 1.0) / (self.counts.sum(axis=1, keepdims=True) + EDGE + 1.0)
        )

    @classmethod
    def fit(cls, words: Iterable[str]) -> Spelling:
        counts = np.zeros((EDGE + 1, EDGE + 1), np.int64)
        for word in words:
            symbols = [EDGE, *word.encode(), EDGE]
            np.add.at(counts, (symbols[:-1], symbols[1:]), 1)
        return cls(counts)

    def log_prob(self, word: str) -> float:
        symbols = [EDGE, *word.encode(), EDGE]
        return float(self.log_probs[symbols[:-1], symbols[1:]].sum())


class KneserNeyLM:
    """Interpolated Kneser–Ney over word ids; ``vocab[0]`` is ``<unk>``, ``vocab[1]`` ``<s>``."""

    def __init__(
        self, vocab: Sequence[str], order: int, rows: Sequence[np.ndarray], spelling: Spelling
    ):
        if order < 1 or len(rows) != order:
            raise ValueError(f"an order-{order} model needs {order} count tables, got {len(rows)}")
        self.spelling = spelling
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.order = order
        self.rows = [np.asarray(r, np.int64) for r in rows]
        self.tables: list[_Table] = []
        for k, table in enumerate(self.rows, start=1):
            followers: dict[tuple[int, ...], dict[int, float]] = defaultdict(dict)
            for row in table:
                followers[tuple(int(x) for x in row[: k - 1])][int(row[k - 1])] = float(row[k])
            self.tables.append(_Table(dict(followers), _discount(table[:, k])))

    @classmethod
    def train(cls, text: str, order: int = 3) -> KneserNeyLM:
        tokens = words(text)
        vocab = [UNK, BOS, *sorted(set(tokens) - {UNK, BOS})]
        index = {w: i for i, w in enumerate(vocab)}
        ids = [index[BOS]] * (order - 1) + [index[w] for w in tokens]
        top = Counter(tuple(ids[i : i + order]) for i in range(len(ids) - order + 1))
        tables = {order: top}
        for k in range(order - 1, 0, -1):  # continuation counts: distinct left neighbours
            tables[k] = Counter(gram[1:] for gram in tables[k + 1])
        rows = [
            np.array([[*gram, count] for gram, count in sorted(tables[k].items())], np.int64)
            for k in range(1, order + 1)
        ]
        return cls(vocab, order, rows, Spelling.fit(vocab[2:]))

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            vocab=np.array(self.vocab),
            order=np.array(self.order),
            spelling=self.spelling.counts,
            **{f"rows{k}": r for k, r in enumerate(self.rows, start=1)},
        )
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def check(cls, path: Path) -> None:
        """Raise ``ValueError`` unless ``path`` is an ``.npz`` holding a model's arrays (read
        from the archive's index, not loaded)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = {"order", "vocab", "spelling"} - set(data.files)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"cannot read {path} as an n-gram model (.npz): {exc}") from None
        if missing:
            raise ValueError(
                f"{path} is not an n-gram model of this version (it lacks "
                f"{', '.join(sorted(missing))}): retrain it with this version"
            )

    @classmethod
    def load(cls, path: Path) -> KneserNeyLM:
        cls.check(path)
        with np.load(path, allow_pickle=False) as data:
            order = int(data["order"])
            return cls(
                [str(w) for w in data["vocab"]],
                order,
                [data[f"rows{k}"] for k in range(1, order + 1)],
                Spelling(data["spelling"]),
            )

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(w, 0) for w in tokens]

    def context(self, ids: Sequence[int]) -> tuple[int, ...]:
        """The last ``order - 1`` ids, padded on the left with ``<s>``."""
        h = self.order - 1
        if h == 0:
            return ()
        tail = list(ids[-h:])  # only the tail: a context is built per token of long texts
        return tuple([1] * (h - len(tail)) + tail)

    def prob(self, word: int, context: tuple[int, ...]) -> float:
        """P(word | context) by the interpolated recursion (context: ``order - 1`` ids)."""
        p = 1.0 / self.vocab_size
        for k, table in enumerate(self.tables, start=1):
            history = context[len(context) - (k - 1) :] if k > 1 else ()
            ws = table.followers.get(history)
            if ws is None:
                continue
            total = table.totals[history]
            gamma = table.discount * len(ws) / total
            p = max(ws.get(word, 0.0) - table.discount, 0.0) / total + gamma * p
        return p

    def distribution(self, context: tuple[int, ...]) -> np.ndarray:
        """P(· | context) over the whole vocabulary, as float64 (sums to 1)."""
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)
        for k, table in enumerate(self.tables, start=1):
            history = context[len(context) - (k - 1) :] if k > 1 else ()
            if history not in table.arrays:
                continue
            ids, counts = table.arrays[history]
            total = table.totals[history]
            p *= table.discount * len(ids) / total
            p[ids] += np.maximum(counts - table.discount, 0.0) / total
        return p

    def log_prob_tokens(self, tokens: Sequence[str]) -> list[float]:
        """Natural-log probability of each word given all words before it (unseen words:
        ``<unk>`` times their spelling)."""
        ids = self.encode(tokens)
        h = self.order - 1
        return [
            math.log(self.prob(w, self.context(ids[max(0, i - h) : i])))
            + (self.spelling.log_prob(token) if w == 0 else 0.0)
            for i, (w, token) in enumerate(zip(ids, tokens, strict=True))
        ]
