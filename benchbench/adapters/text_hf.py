"""Hugging Face causal language models, loaded from a local directory.

The directory is what ``save_pretrained`` writes for a model and its tokenizer
(``config.json``, weights, ``tokenizer.json``/``tokenizer_config.json``), e.g. the
zoo's ``gpt-prose`` or a snapshot folder of the Hugging Face cache. Nothing is ever
downloaded: a missing directory or file is an error that says what was looked for.

Sampling goes through ``generate`` (so beams, top-k and top-p behave as in
transformers); its random draws are seeded from the cell's generator inside
``torch.random.fork_rng``, leaving the global RNG as it was. Perplexity uses a
sliding window (Hugging Face's recipe): windows of the model's context length
advance by ``stride`` tokens (default: half the window), and each token is scored
once, from the window in which it is newest, so it sees at least ``window - stride``
tokens of context (hence ``stride < window``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from pydantic import Field

from benchbench.adapters.base import DType, dtype_field, seeded, torch_dtype
from benchbench.adapters.text_base import LogLikelihood, TextAdapter, TextBatch, TextParams
from benchbench.fieldtypes import WholeNumber


class HFTextParams(TextParams):
    num_beams: WholeNumber = Field(
        default=1,
        ge=1,
        le=64,
        description="beam search width (with temperature > 0: beam sampling)",
    )
    dtype: DType = dtype_field()


class MissingModelError(FileNotFoundError):
    """A model directory or file that is not on disk (benchbench does not download)."""


def check_model_dir(path: Path | None) -> Path:
    if path is None or not path.is_dir():
        raise MissingModelError(
            f"a Hugging Face model must be a local directory written by save_pretrained "
            f"(config.json, weights, tokenizer files); {path} is not a directory. benchbench "
            f"never downloads: copy the model there, or point to its snapshot folder in the "
            f"Hugging Face cache"
        )
    for required in ("config.json", "tokenizer_config.json"):
        if not (path / required).is_file():
            raise MissingModelError(f"{path} has no {required}: not a saved model with tokenizer")
    return path


class HFCausalLMAdapter(TextAdapter):
    """``AutoModelForCausalLM`` + ``AutoTokenizer`` from a local directory."""

    family = "hf-causal-lm"
    Params = HFTextParams
    load_params = ("dtype",)

    def __init__(
        self, model: Any, tokenizer: Any, device: torch.device, name: str, dtype: str = "float32"
    ):
        super().__init__(device)
        self.model = model.to(device, torch_dtype(dtype, device)).eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"  # continuations start at the same position
        self.tokenizer.truncation_side = "left"  # a long prompt keeps its end
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer_name = f"{name}-tokenizer-{len(tokenizer)}"
        self.window = int(
            getattr(model.config, "n_positions", 0) or model.config.max_position_embeddings
        )

    @classmethod
    def load(
        cls, weights: Path | None, device: torch.device, dtype: str = "float32"
    ) -> HFCausalLMAdapter:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = check_model_dir(weights)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        return cls(model, tokenizer, device, path.name, dtype)

    @classmethod
    def check_weights(cls, weights: Path) -> None:
        check_model_dir(weights)

    @classmethod
    def build(
        cls, config: dict[str, Any], device: torch.device, dtype: str = "float32"
    ) -> HFCausalLMAdapter:
        """``config``: a ``GPT2Config``; the tokenizer is byte-level (one token per UTF-8
        byte, see ``benchbench.adapters.architectures``), so prompts are longer in tokens than
        with GPT-2's BPE, while every generated token costs what it costs GPT-2."""
        from transformers import GPT2Config, GPT2LMHeadModel

        from benchbench.adapters.architectures import byte_tokenizer

        model = seeded(lambda: GPT2LMHeadModel(GPT2Config(**config)))
        tokenizer = byte_tokenizer(model.config.n_positions)
        return cls(model, tokenizer, device, "random-gpt2", dtype)

    def generate(
        self,
        prompts: list[str],
        generator: torch.Generator,
        temperature: float = 1.0,
        top_p: float = 1.0,
        top_k: int = 0,
        max_new_tokens: int = 32,
        num_beams: int = 1,
    ) -> TextBatch:
        room = self.window - max_new_tokens
        if room < 1:
            raise ValueError(
                f"max_new_tokens={max_new_tokens} leaves no room in a {self.window}-token window"
            )
        batch = self.tokenizer(
            prompts, return_tensors="pt", padding=True, truncation=True, max_length=room
        ).to(self.device)
        sampling = temperature > 0
        options: dict[str, Any] = {
            "do_sample": sampling,
            "num_beams": num_beams,
            "max_new_tokens": max_new_tokens,
            "min_new_tokens": max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "return_dict_in_generate": True,
            "output_logits": True,
        }
        if sampling:
            options.update(temperature=temperature, top_p=top_p, top_k=top_k or None)
        seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            out = self.model.generate(**batch, **options)
        new = out.sequences[:, batch["input_ids"].shape[1] :]
        logprobs = torch.stack(out.logits, dim=1).double().log_softmax(-1)
        if num_beams > 1:  # logits are per beam, not per returned sequence
            token_logprobs: list[list[float]] = []
        else:
            token_logprobs = logprobs.gather(-1, new.unsqueeze(-1)).squeeze(-1).tolist()
        texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
        return TextBatch(texts, [int(new.shape[1])] * len(prompts), token_logprobs)

    def log_likelihood(self, text: str, stride: int | None = None) -> LogLikelihood:
        """Every token of ``text`` scored after an end-of-text token (lm-eval's rolling
        loglikelihood does the same), through windows of the model's context length."""
        window = self.window
        stride = window // 2 if stride is None else stride
        if not 1 <= stride < window:
            raise ValueError(
                f"stride must be in 1..{window - 1}: each window of {window} tokens keeps at "
                f"least one token of context for its first scored token; got {stride}"
            )
        prefix = (
            self.tokenizer.eos_token_id
            if self.tokenizer.bos_token_id is None
            else self.tokenizer.bos_token_id
        )
        ids = [prefix, *self.tokenizer(text, add_special_tokens=False)["input_ids"]]
        total = 0.0
        scored = 1  # position 0 (the prefix) is context only
        begin = 0
        while scored < len(ids):
            end = min(begin + window, len(ids))
            chunk = torch.tensor([ids[begin:end]], device=self.device)
            with torch.inference_mode():
                logits = self.model(chunk).logits[0].double()
            targets = torch.tensor(ids[scored:end], device=self.device)
            predicted = logits[scored - begin - 1 : end - begin - 1].log_softmax(-1)
            total += float(predicted.gather(-1, targets.unsqueeze(-1)).sum())
            scored = end
            begin += stride
        unknown = ids[1:].count(self.tokenizer.unk_token_id)
        notes = (
            (
                f"{unknown} tokens are the tokenizer's unknown token: each stands for text it "
                f"cannot spell, so this perplexity is not comparable per word or byte",
            )
            if unknown and self.tokenizer.unk_token_id != prefix
            else ()
        )
        return LogLikelihood(
            total, len(ids) - 1, self.tokenizer_name, window, stride, "tokenizer", notes
        )
