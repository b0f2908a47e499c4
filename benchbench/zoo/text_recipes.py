"""Seeded training recipes for the text zoo, on the ``train`` split of the stdlib prose.

Each recipe writes its weights and a model card (as the image recipes do, through
``write_card``) and reports its held-out perplexity per word on the ``heldout`` split,
so the card says how good the model is on text it never saw. The same seed on the
same machine and torch version gives the same weights.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from benchbench.data import prose
from benchbench.zoo import weights_path
from benchbench.zoo.recipes import Fitted, build, count_params, fit, write_card

# A GPT-2 architecture small enough to ship (< 5 MB) and to train in minutes on 2 cores.
GPT_CONFIG: dict[str, Any] = {
    "n_positions": 64,
    "n_embd": 128,
    "n_layer": 2,
    "n_head": 4,
    "resid_pdrop": 0.1,
    "embd_pdrop": 0.1,
    "attn_pdrop": 0.1,
}
BPE_VOCAB = 1024
END = "<|endoftext|>"
NGRAM_ORDER = 3
TEXT_RECIPE_PREFIX = "benchbench.zoo.text_recipes:"


def data_card(split: str = "train") -> dict[str, Any]:
    return {
        "dataset": "pydoc_data.topics (CPython standard library)",
        "split": split,
        "heldout_rule": f"every {prose.HELDOUT_EVERY}th paragraph (benchbench.data.prose)",
        "corpus_sha256": prose.corpus_hash(),
        "words": len(prose.split_text(split).split()),  # type: ignore[arg-type]
    }


def heldout_figures(adapter: Any) -> dict[str, float]:
    """Per-token and per-word perplexity and bits per byte on the held-out paragraphs."""
    logprob = tokens = words = nbytes = 0.0
    for paragraph in prose.split_paragraphs("heldout"):
        result = adapter.log_likelihood(paragraph)
        logprob += result.logprob
        tokens += result.tokens
        words += len(paragraph.split())
        nbytes += len(paragraph.encode())
    return {
        "heldout_perplexity_per_token": math.exp(-logprob / tokens),
        "heldout_perplexity_per_word": math.exp(-logprob / words),
        "heldout_bits_per_byte": -logprob / nbytes / math.log(2),
    }


def train_tokenizer(seed: int) -> Any:
    """Byte-level BPE on the train split, wrapped for ``save_pretrained``."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    del seed  # BPE training is deterministic
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        prose.split_paragraphs("train"),
        vocab_size=BPE_VOCAB,
        min_frequency=2,
        special_tokens=[END],
        show_progress=False,
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token=END, eos_token=END, pad_token=END
    )


def token_windows(ids: list[int], length: int, step: int) -> torch.Tensor:
    """Rows of ``length`` consecutive ids starting every ``step`` ids."""
    data = torch.tensor(ids)
    starts = range(0, len(ids) - length + 1, step)
    return torch.stack([data[s : s + length] for s in starts])


def train_gpt(
    out_dir: Path, seed: int = 0, epochs: int = 10, device: str = "cpu"
) -> dict[str, Any]:
    """``gpt-prose``: next-token cross-entropy on 128-token windows, AdamW, cosine schedule."""
    import transformers
    from transformers import GPT2Config, GPT2LMHeadModel

    from benchbench.adapters.text_hf import HFCausalLMAdapter

    name, batch_size = "gpt-prose", 32
    tokenizer = train_tokenizer(seed)
    end = tokenizer.convert_tokens_to_ids(END)
    config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=end, eos_token_id=end, **GPT_CONFIG)
    model = build(lambda: GPT2LMHeadModel(config), seed, device).train()
    ids = [end]
    for paragraph in prose.split_paragraphs("train"):
        ids += tokenizer(paragraph)["input_ids"] + [end]
    windows = token_windows(ids, GPT_CONFIG["n_positions"], GPT_CONFIG["n_positions"])
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    order = torch.Generator().manual_seed(seed)

    def step(x: torch.Tensor) -> dict[str, float]:
        x = x.to(device)
        logits = model(x).logits[:, :-1]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return {"cross_entropy": loss.item()}

    with torch.random.fork_rng(devices=[]):  # dropout draws from the global RNG
        torch.manual_seed(seed)
        fitted = fit(
            step,
            (windows,),
            epochs=epochs,
            batch_size=batch_size,
            generator=order,
            optimizers=[opt],
            warmup=30,
        )
    target = weights_path(name, out_dir)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.eval().save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    adapter = HFCausalLMAdapter.load(target, torch.device("cpu"))
    return write_card(
        out_dir,
        name,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        fitted=fitted,
        params=count_params(model),
        device=device,
        extra={
            "data": {
                **data_card(),
                "n": fitted.examples,
                "window_tokens": GPT_CONFIG["n_positions"],
            },
            "transformers": transformers.__version__,
            "gpt2_config": GPT_CONFIG,
            "tokenizer": f"byte-level BPE, {BPE_VOCAB} tokens, trained on the train split",
            **heldout_figures(adapter),
        },
    )


def train_ngram(
    out_dir: Path, seed: int = 0, epochs: int = 1, device: str = "cpu"
) -> dict[str, Any]:
    """``ngram-prose``: counts of the train split; nothing is random, ``seed`` is recorded."""
    from benchbench.adapters.text_ngram import NGramAdapter
    from benchbench.lm.ngram import KneserNeyLM

    name = "ngram-prose"
    start = time.perf_counter()
    words = prose.split_text("train").split()
    lm = KneserNeyLM.train(prose.split_text("train"), order=NGRAM_ORDER)
    seconds = time.perf_counter() - start
    target = weights_path(name, out_dir)
    lm.save(target)
    train_nll = -sum(lm.log_prob_tokens(words)) / len(words)  # the "loss" of a count model
    fitted = Fitted(len(words), 1, seconds, {"train_nll_per_word": train_nll})
    adapter = NGramAdapter.load(target, torch.device("cpu"))
    return write_card(
        out_dir,
        name,
        seed=seed,
        epochs=epochs,
        batch_size=0,
        fitted=fitted,
        params=sum(len(r) for r in lm.rows),
        device=device,
        extra={
            "data": {**data_card(), "n": fitted.examples},
            "order": lm.order,
            "vocab": lm.vocab_size,
            "discounts": [t.discount for t in lm.tables],
            "smoothing": "interpolated Kneser-Ney, one discount per order, uniform base",
            "params_meaning": "stored n-gram count rows",
            **heldout_figures(adapter),
        },
    )


LSTM_CONFIG: dict[str, Any] = {"embed": 32, "hidden": 256, "layers": 1}
LSTM_WINDOW = 128


def train_lstm(
    out_dir: Path, seed: int = 0, epochs: int = 3, device: str = "cpu"
) -> dict[str, Any]:
    """``lstm-prose``: next-byte cross-entropy on 129-byte windows, Adam, cosine schedule."""
    from benchbench.adapters.text_lstm import LSTMAdapter
    from benchbench.checkpoint import save_checkpoint
    from benchbench.lm.lstm import START, ByteLSTM, encode

    name, batch_size = "lstm-prose", 32
    net = build(lambda: ByteLSTM(**LSTM_CONFIG), seed, device).train()
    data = [START, *encode(prose.split_text("train"))]
    windows = token_windows(data, LSTM_WINDOW + 1, LSTM_WINDOW)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)

    def step(x: torch.Tensor) -> dict[str, float]:
        x = x.to(device)
        logits, _ = net(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 256), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        return {"cross_entropy": loss.item()}

    fitted = fit(
        step,
        (windows,),
        epochs=epochs,
        batch_size=batch_size,
        generator=torch.Generator().manual_seed(seed),
        optimizers=[opt],
        warmup=20,
    )
    target = weights_path(name, out_dir)
    meta = {"zoo": name, "recipe": TEXT_RECIPE_PREFIX + "train_lstm", "seed": seed}
    save_checkpoint(target, net.eval(), "byte-lstm", LSTM_CONFIG, meta={**meta, "epochs": epochs})
    adapter = LSTMAdapter.load(target, torch.device("cpu"))
    return write_card(
        out_dir,
        name,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        fitted=fitted,
        params=count_params(net),
        device=device,
        extra={
            "data": {**data_card(), "n": fitted.examples, "window_bytes": LSTM_WINDOW},
            "lstm_config": LSTM_CONFIG,
            **heldout_figures(adapter),
        },
    )


ENCODER_CONFIG: dict[str, Any] = {
    "hidden_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 256,
    "max_position_embeddings": 130,  # RoBERTa counts positions from padding_idx + 1
    "type_vocab_size": 1,
}
ENCODER_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
MASK_RATE = 0.15


def encoder_tokenizer() -> Any:
    """Byte-level BPE with RoBERTa's special tokens and ``<s> … </s>`` framing."""
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import RobertaProcessing
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    bpe.train_from_iterator(
        prose.split_paragraphs("train"),
        vocab_size=BPE_VOCAB,
        min_frequency=2,
        special_tokens=ENCODER_SPECIALS,
        show_progress=False,
    )
    bpe.post_processor = RobertaProcessing(("</s>", 2), ("<s>", 0))
    specials = dict(zip(("bos", "pad", "eos", "unk", "mask"), ENCODER_SPECIALS, strict=True))
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        model_max_length=ENCODER_CONFIG["max_position_embeddings"] - 2,
        cls_token="<s>",  # bert-score leaves the cls and sep tokens out of the matching
        sep_token="</s>",
        **{f"{k}_token": v for k, v in specials.items()},
    )


def train_encoder(
    out_dir: Path, seed: int = 0, epochs: int = 3, device: str = "cpu"
) -> dict[str, Any]:
    """``prose-roberta-tiny``: masked-token prediction (15%, all replaced by <mask>)."""
    import transformers
    from transformers import RobertaConfig, RobertaForMaskedLM

    name, batch_size = "prose-roberta-tiny", 32
    tokenizer = encoder_tokenizer()
    config = RobertaConfig(
        vocab_size=len(tokenizer), pad_token_id=1, bos_token_id=0, eos_token_id=2, **ENCODER_CONFIG
    )
    model = build(lambda: RobertaForMaskedLM(config), seed, device).train()
    ids: list[int] = []
    for paragraph in prose.split_paragraphs("train"):
        ids += tokenizer(paragraph, add_special_tokens=False)["input_ids"]
    windows = token_windows(ids, tokenizer.model_max_length - 2, tokenizer.model_max_length - 2)
    windows = F.pad(windows, (1, 0), value=0)
    windows = F.pad(windows, (0, 1), value=2)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    masking = torch.Generator(device).manual_seed(seed + 1)
    mask_id = tokenizer.convert_tokens_to_ids("<mask>")

    def step(x: torch.Tensor) -> dict[str, float]:
        x = x.to(device)
        chosen = torch.rand(x.shape, generator=masking, device=device) < MASK_RATE
        chosen[:, 0] = chosen[:, -1] = False
        labels = torch.where(chosen, x, torch.full_like(x, -100))
        loss = model(input_ids=torch.where(chosen, mask_id, x), labels=labels).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return {"masked_cross_entropy": loss.item()}

    with torch.random.fork_rng(devices=[]):  # dropout draws from the global RNG
        torch.manual_seed(seed)
        fitted = fit(
            step,
            (windows,),
            epochs=epochs,
            batch_size=batch_size,
            generator=torch.Generator().manual_seed(seed),
            optimizers=[opt],
            warmup=30,
        )
    target = weights_path(name, out_dir)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.roberta.eval().save_pretrained(tmp)  # the encoder alone: what BERTScore loads
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return write_card(
        out_dir,
        name,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        fitted=fitted,
        params=count_params(model.roberta),
        device=device,
        extra={
            "data": {**data_card(), "n": fitted.examples},
            "transformers": transformers.__version__,
            "roberta_config": ENCODER_CONFIG,
            "objective": f"masked LM, {MASK_RATE:.0%} of tokens, all replaced by <mask>",
            "bertscore_layer": ENCODER_CONFIG["num_hidden_layers"],
        },
    )
