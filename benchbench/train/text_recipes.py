"""Seeded training recipes for the text zoo, on the ``train`` split of the stdlib prose.

Each recipe writes its weights and a model card (as the image recipes do, through
``write_card``) and reports its held-out perplexity per word on the ``heldout`` split,
so the card says how good the model is on text it never saw. The same seed on the
same machine and torch version gives the same weights.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from benchbench.data import prose
from benchbench.extractors.text import BASELINE_FILE
from benchbench.metrics.text.perplexity import SegmentLikelihoods
from benchbench.train.recipes import (
    Fitted,
    TrainingRun,
    build,
    count_params,
    descend,
    fit,
    replace_folder,
    write_card,
    write_checkpoint_and_card,
)
from benchbench.zoo import weights_path

# A GPT-2 architecture small enough to ship (< 5 MB) and to train in minutes on 2 cores.
GPT_LR = 3e-3
GPT_CONFIG: dict[str, Any] = {
    "n_positions": 128,
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
CLIP = 1.0  # gradient-norm clipping of every text recipe


def data_card(split: str = "train") -> dict[str, Any]:
    return {
        "dataset": "pydoc_data.topics (CPython standard library)",
        "split": split,
        "heldout_rule": f"every {prose.HELDOUT_EVERY}th paragraph (benchbench.data.prose)",
        "corpus_sha256": prose.corpus_hash(),
        "words": len(prose.split_text(split).split()),  # type: ignore[arg-type]
    }


def heldout_figures(adapter: Any) -> dict[str, float]:
    """Per-token and per-word perplexity and bits per byte on the held-out paragraphs, and
    per word with each paragraph's words shuffled (how much word order the model uses)."""
    figures = {}
    for prefix, paragraphs in (
        ("heldout", prose.split_paragraphs("heldout")),
        ("shuffled_heldout", prose.shuffled_words(prose.split_paragraphs("heldout"))),
    ):
        logprob, tokens, words, nbytes = SegmentLikelihoods(adapter, paragraphs, None).stats.sum(0)
        figures |= {
            f"{prefix}_perplexity_per_token": math.exp(-logprob / tokens),
            f"{prefix}_perplexity_per_word": math.exp(-logprob / words),
            f"{prefix}_bits_per_byte": -logprob / nbytes / math.log(2),
        }
    return figures


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


def fit_with_dropout(step: Any, windows: torch.Tensor, seed: int, **options: Any) -> Fitted:
    """``fit`` with the global RNG (which transformers' dropout draws from) seeded and
    restored afterwards, and the batch order from its own generator."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return fit(step, (windows,), generator=torch.Generator().manual_seed(seed), **options)


def save_pretrained(target: Path, model: Any, tokenizer: Any) -> None:
    """``save_pretrained`` of a model and its tokenizer into ``target``, replaced whole."""

    def save(folder: Path) -> None:
        model.eval().save_pretrained(folder)
        tokenizer.save_pretrained(folder)

    replace_folder(target, save)


def train_gpt(
    out_dir: Path, seed: int = 0, epochs: int = 16, device: str = "cpu"
) -> dict[str, Any]:
    """``gpt-prose``: next-token cross-entropy on context-length windows starting every half
    context (each token is seen at two positions per epoch), AdamW, cosine schedule."""
    import transformers
    from transformers import GPT2Config, GPT2LMHeadModel

    from benchbench.adapters.text_hf import HFCausalLMAdapter

    name, batch_size = "gpt-prose", 16
    tokenizer = train_tokenizer(seed)
    end = tokenizer.convert_tokens_to_ids(END)
    config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=end, eos_token_id=end, **GPT_CONFIG)
    model = build(lambda: GPT2LMHeadModel(config), seed, device).train()
    ids = [end]
    for paragraph in prose.split_paragraphs("train"):
        ids += tokenizer(paragraph)["input_ids"] + [end]
    window = GPT_CONFIG["n_positions"]
    windows = token_windows(ids, window, window // 2)
    opt = torch.optim.AdamW(model.parameters(), lr=GPT_LR, weight_decay=0.01)

    def step(x: torch.Tensor) -> dict[str, float]:
        x = x.to(device)
        logits = model(x).logits[:, :-1]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        descend(opt, loss, CLIP)
        return {"cross_entropy": loss.item()}

    fitted = fit_with_dropout(
        step, windows, seed, epochs=epochs, batch_size=batch_size, optimizers=[opt], warmup=100
    )
    target = weights_path(name, out_dir)
    save_pretrained(target, model, tokenizer)
    adapter = HFCausalLMAdapter.load(target, torch.device("cpu"))
    run = TrainingRun(name, seed, epochs, batch_size, device)
    return run.card(
        out_dir,
        fitted,
        count_params(model),
        extra={
            "data": {
                **data_card(),
                "n": fitted.examples,
                "window_tokens": window,
                "window_step_tokens": window // 2,
            },
            "transformers": transformers.__version__,
            "gpt2_config": GPT_CONFIG,
            "optimizer": f"AdamW lr {GPT_LR} (weight decay 0.01), 100 warmup steps then cosine "
            f"to 0, gradient norm clipped at {CLIP}",
            "tokenizer": f"byte-level BPE, {BPE_VOCAB} tokens, trained on the train split",
            **heldout_figures(adapter),
        },
    )


def train_ngram(
    out_dir: Path, seed: int = 0, epochs: int = 1, device: str = "cpu"
) -> dict[str, Any]:
    """``ngram-prose``: counts of the train split; nothing is random, ``seed`` is recorded."""
    from benchbench.adapters.text_ngram import NGramAdapter
    from benchbench.nets.lm.ngram import KneserNeyLM

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
            "unseen_words": "open vocabulary: P(<unk> | context) x P_spell(word), P_spell "
            "add-one byte bigrams (word start to word end) fitted on the training vocabulary",
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
    from benchbench.nets.lm.lstm import START, ByteLSTM, encode

    name, batch_size = "lstm-prose", 32
    net = build(lambda: ByteLSTM(**LSTM_CONFIG), seed, device).train()
    data = [START, *encode(prose.split_text("train"))]
    windows = token_windows(data, LSTM_WINDOW + 1, LSTM_WINDOW)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)

    def step(x: torch.Tensor) -> dict[str, float]:
        x = x.to(device)
        logits, _ = net(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 256), x[:, 1:].reshape(-1))
        descend(opt, loss, CLIP)
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
    figures = heldout_figures(LSTMAdapter(net.eval(), torch.device("cpu")))
    return write_checkpoint_and_card(
        out_dir,
        name,
        net,
        "byte-lstm",
        LSTM_CONFIG,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        fitted=fitted,
        device=device,
        extra={
            "data": {**data_card(), "n": fitted.examples, "window_bytes": LSTM_WINDOW},
            **figures,
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
ENCODER_LR = 2e-3
# BERTScore's layer: the one that best told edited copies of train-split passages from
# unrelated passages (paired z of the score difference over 64 pairs: 22.5 at layer 1,
# 13.3 at layer 2). Zhang et al. chose their layers by agreement with human judgments.
BERTSCORE_LAYER = 1
BASELINE_PAIRS = 2000


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
    out_dir: Path, seed: int = 0, epochs: int = 10, device: str = "cpu"
) -> dict[str, Any]:
    """``prose-roberta-tiny``: masked-token prediction (``MASK_RATE`` of the tokens, all
    replaced by <mask>), saved with its BERTScore rescaling baseline."""
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
    opt = torch.optim.AdamW(model.parameters(), lr=ENCODER_LR, weight_decay=0.01)
    masking = torch.Generator(device).manual_seed(seed + 1)
    mask_id = tokenizer.convert_tokens_to_ids("<mask>")

    def step(x: torch.Tensor) -> dict[str, float]:
        x = x.to(device)
        chosen = torch.rand(x.shape, generator=masking, device=device) < MASK_RATE
        chosen[:, 0] = chosen[:, -1] = False
        labels = torch.where(chosen, x, torch.full_like(x, -100))
        loss = model(input_ids=torch.where(chosen, mask_id, x), labels=labels).loss
        descend(opt, loss, CLIP)
        return {"masked_cross_entropy": loss.item()}

    fitted = fit_with_dropout(
        step, windows, seed, epochs=epochs, batch_size=batch_size, optimizers=[opt], warmup=30
    )
    target = weights_path(name, out_dir)
    save_pretrained(target, model.roberta, tokenizer)  # the encoder alone: what BERTScore loads
    write_bertscore_baseline(target, ENCODER_CONFIG["num_hidden_layers"], seed)  # every layer
    run = TrainingRun(name, seed, epochs, batch_size, device)
    return run.card(
        out_dir,
        fitted,
        count_params(model.roberta),
        extra={
            "data": {**data_card(), "n": fitted.examples},
            "transformers": transformers.__version__,
            "roberta_config": ENCODER_CONFIG,
            "objective": f"masked LM, {MASK_RATE:.0%} of tokens, all replaced by <mask>",
            "optimizer": f"AdamW lr {ENCODER_LR} (weight decay 0.01), 30 warmup steps then "
            f"cosine to 0, gradient norm clipped at {CLIP}",
            "bertscore_layer": BERTSCORE_LAYER,
            "bertscore_baseline": f"{BASELINE_FILE}: mean P, R, F per layer over "
            f"{BASELINE_PAIRS} random pairs of different train-split passages",
        },
    )


def write_bertscore_baseline(path: Path, layers: int, seed: int) -> None:
    """bert-score's rescaling baseline for the encoder at ``path``, as Zhang et al. (2020)
    made theirs from random Common Crawl sentence pairs: the mean P, R and F per layer over
    random pairs of unrelated passages (here: 24-word passages of the train split). A
    rescaled score ``(s - b) / (1 - b)`` then reads about 0 for unrelated text and 1 for
    identical text, instead of every score crowding just below 1."""
    import bert_score

    task = prose.continuations("train")
    texts = [*task.prompts, *task.references]
    pick = torch.Generator().manual_seed(seed)
    cands = torch.randint(len(texts), (BASELINE_PAIRS,), generator=pick)
    refs = (cands + torch.randint(1, len(texts), (BASELINE_PAIRS,), generator=pick)) % len(texts)
    scores = bert_score.score(
        [texts[i] for i in cands.tolist()],
        [texts[i] for i in refs.tolist()],
        model_type=str(path),
        num_layers=layers,
        all_layers=True,
        batch_size=64,
        device="cpu",
        use_fast_tokenizer=True,
    )
    means = torch.stack([s.double().mean(dim=1) for s in scores], dim=1)  # [layer, (P, R, F)]
    # 6 decimals: the file is part of the weights' hash, and float sums vary in the 10th
    rows = [f"{layer},{p:.6f},{r:.6f},{f:.6f}" for layer, (p, r, f) in enumerate(means.tolist())]
    (path / BASELINE_FILE).write_text("\n".join(["LAYER,P,R,F", *rows]) + "\n")
