"""The text zoo's catalogue: language models and a BERTScore encoder trained on stdlib prose.

Weights live beside the image zoo's (``benchbench/zoo/weights``) with the same card
rule; the recipes are in ``benchbench.train.text_recipes``.
"""

from __future__ import annotations

from benchbench.zoo import ZooEntry

TEXT_ZOO: dict[str, ZooEntry] = {
    entry.name: entry
    for entry in (
        ZooEntry(
            "gpt-prose",
            "hf-causal-lm",
            "gpt-prose",
            "benchbench.train.text_recipes:train_gpt",
            "GPT-2 architecture (2 layers, 128 wide, byte-level BPE of 1,024) on stdlib prose.",
        ),
        ZooEntry(
            "ngram-prose",
            "ngram-lm",
            "ngram-prose.npz",
            "benchbench.train.text_recipes:train_ngram",
            "Word trigram model with interpolated Kneser-Ney smoothing on stdlib prose.",
        ),
        ZooEntry(
            "lstm-prose",
            "lstm-lm",
            "lstm-prose.pt",
            "benchbench.train.text_recipes:train_lstm",
            "Byte-level LSTM (1 layer, 256 units) on stdlib prose.",
        ),
        ZooEntry(
            "prose-roberta-tiny",
            "text-encoder",
            "prose-roberta-tiny",
            "benchbench.train.text_recipes:train_encoder",
            "RoBERTa architecture (2 layers, 128 wide), masked LM on stdlib prose: "
            "the embedded BERTScore and MAUVE encoder.",
        ),
    )
}
