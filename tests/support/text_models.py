"""Tiny randomly initialised language models saved in their libraries' own formats."""

from __future__ import annotations

from pathlib import Path

import torch

SENTENCES = [
    "the cat sat on the mat and the dog sat on the log",
    "a function returns a value to the caller of the function",
    "the object has an attribute and the attribute has a value",
]


def tiny_gpt(path: Path, n_positions: int = 32, seed: int = 0) -> Path:
    """A 2-layer GPT-2 with a byte-level BPE of the sentences, written by save_pretrained."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(SENTENCES, vocab_size=300, special_tokens=["<|endoftext|>"])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
    )
    end = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=n_positions,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=end,
        eos_token_id=end,
    )
    torch.manual_seed(seed)
    GPT2LMHeadModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def tiny_roberta(path: Path, layers: int = 2, seed: int = 0) -> Path:
    """A random RoBERTa encoder with the text zoo's tokenizer, written by save_pretrained."""
    from transformers import RobertaConfig, RobertaModel

    from benchbench.train.text_recipes import encoder_tokenizer

    tokenizer = encoder_tokenizer()
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=130,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    torch.manual_seed(seed)
    RobertaModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
