"""The text side of the runner: prompts per batch, token throughput, text metrics.

A text suite's reference dataset is a continuation task (``Continuations``): batch
``i`` continues prompts ``i·b … i·b+b-1`` (warm-up batches reuse the first batch's
prompts), and the generations are scored against the true continuations. Perplexity
metrics score the model on the task's full passages (prompt + continuation). Speed
adds new tokens/s (samples/s times the fixed ``max_new_tokens``, with the same
interval) and time to first token (a batch generating one token, timed like the
steady calls).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import torch

from benchbench.adapters.text_base import TextBatch
from benchbench.catalogue import INPUTS_BY_OUTPUT, METRICS
from benchbench.data import DATASETS
from benchbench.data.prose import Continuations
from benchbench.hashing import sha256_bytes
from benchbench.measure.timing import Timer
from benchbench.metrics import Metric, MetricResult, MetricSetup, MetricSetupError, compute_all
from benchbench.metrics.stats import BootstrapSpec, bootstrap_median_interval
from benchbench.metrics.text.perplexity import LIKELIHOODS
from benchbench.outputs.base import scaled_rate
from benchbench.records import Artifact, Measurement
from benchbench.suite.schema import Suite


@dataclass(frozen=True)
class TextSamples:
    """A cell's generations, aligned with the prompts and references they continue."""

    texts: list[str]
    prompts: list[str]
    references: list[str]
    token_logprobs: list[list[float]]


class TextInputs:
    """``MetricInputs`` for text metrics."""

    def __init__(
        self, samples: TextSamples, heldout: list[str], model: Any, model_fingerprint: str
    ):
        self.values = {
            "texts": samples.texts,
            "prompts": samples.prompts,
            "references": samples.references,
            "heldout": heldout,
            "model": model,
            "model_fingerprint": model_fingerprint,
        }

    def get(self, name: str) -> Any:
        if name not in self.values:
            available = ", ".join(INPUTS_BY_OUTPUT["text"])
            raise MetricSetupError(
                f"input {name!r} is not available to text metrics ({available}); "
                f"is an image metric listed in a text suite?"
            )
        if name == "model" and self.values["model"] is None:
            raise MetricSetupError("this metric needs the model itself, and none was given")
        return self.values[name]


class TextEvaluator:
    """Scores generations with text metrics; one per run, shared by its cells.

    ``reference`` identifies the references in signatures; ``heldout`` is the text
    perplexity metrics score the model on. Their log-likelihoods are kept for the run
    by model fingerprint, so the sampling cells of one model (its temperature sweep)
    score the held-out text once.
    """

    def __init__(
        self,
        metrics: list[str],
        reference: str,
        heldout: list[str],
        bootstrap: BootstrapSpec | None,
    ):
        self.metric_classes: list[type[Metric]] = [METRICS.get(name) for name in metrics]
        self.heldout = heldout
        self.setup = MetricSetup(features={}, reference=reference, bootstrap=bootstrap)
        self.likelihoods: dict[Any, Any] = {}

    def prepare(self) -> None:
        """Nothing to compute ahead: the held-out text is loaded with the evaluator."""

    def evaluate(
        self, samples: TextSamples, adapter: Any = None, model_fingerprint: str = ""
    ) -> list[MetricResult]:
        inputs = TextInputs(samples, self.heldout, adapter, model_fingerprint)
        return compute_all(self.metric_classes, self.setup, inputs, {LIKELIHOODS: self.likelihoods})


class TextOutput:
    """``OutputKind`` for text suites (see ``benchbench.outputs.base``)."""

    def __init__(self, suite: Suite, device: torch.device):
        self.suite = suite
        self.device = device

    @cached_property
    def task(self) -> Continuations:
        spec = self.suite.reference
        task = DATASETS.get(spec.dataset)().load(spec.split)
        if not isinstance(task, Continuations):
            raise MetricSetupError(f"dataset {spec.dataset!r} is not a text continuation task")
        return task

    def evaluator(self) -> TextEvaluator:
        settings = self.suite.bootstrap
        bootstrap = (
            BootstrapSpec(settings.resamples, settings.confidence, seed=self.suite.seed)
            if settings.resamples
            else None
        )
        task = self.task
        passages = [f"{p} {r}" for p, r in zip(task.prompts, task.references, strict=True)]
        return TextEvaluator(self.suite.metrics, task.identity, passages, bootstrap)

    def _batch_slice(self, index: int, batch_size: int) -> slice:
        start = max(index, 0) * batch_size
        if start + batch_size > len(self.task):
            raise ValueError(
                f"batch {index} needs prompts {start}..{start + batch_size - 1}, but "
                f"{self.task.identity} has {len(self.task)}; lower sampling.num_samples"
            )
        return slice(start, start + batch_size)

    def batch_inputs(self, index: int, batch_size: int) -> dict[str, Any]:
        return {"prompts": list(self.task.prompts[self._batch_slice(index, batch_size)])}

    def check(self, batch: Any, n: int, who: str) -> TextBatch:
        if not isinstance(batch, TextBatch):
            raise TypeError(f"{who} returned {type(batch).__name__}, not a TextBatch")
        if len(batch) != n or not all(isinstance(t, str) for t in batch.texts):
            raise ValueError(f"{who} returned {len(batch)} texts for a batch of {n}")
        return batch

    def collect(self, kept: list[TextBatch], n: int, adapter: Any, who: str) -> TextSamples:
        texts = [t for b in kept for t in b.texts][:n]
        return TextSamples(
            texts,
            list(self.task.prompts[:n]),
            list(self.task.references[:n]),
            [lp for b in kept for lp in b.token_logprobs][:n],
        )

    def artifacts(self, samples: TextSamples, seed: int) -> list[Artifact]:
        rows = [
            {"prompt": p, "reference": r, "generation": t}
            for p, r, t in zip(samples.prompts, samples.references, samples.texts, strict=True)
        ]
        content = "".join(json.dumps(row) + "\n" for row in rows).encode()
        return [
            Artifact(
                "samples.jsonl",
                "application/jsonl",
                sha256_bytes(content),
                content,
                {"seed": seed, "count": len(rows)},
            )
        ]

    def speed_measurements(
        self,
        adapter: Any,
        params: dict[str, Any],
        timer: Timer,
        samples_per_s: Measurement,
        samples: TextSamples,
    ) -> list[Measurement]:
        tokens = params["max_new_tokens"]
        batch_size = samples_per_s.signature["batch_size"] if samples_per_s.signature else 1
        rate = scaled_rate(
            samples_per_s,
            "tokens_per_s",
            float(tokens),
            "tokens/s",
            tokenizer=adapter.tokenizer_name,
        )
        first = {**params, "max_new_tokens": 1}
        prompts = self.batch_inputs(0, batch_size)["prompts"]
        generator = torch.Generator(self.device).manual_seed(self.suite.seed)
        seconds = []
        for _ in range(timer.policy.min_repeats):
            with torch.inference_mode():
                _, s = timer.time_call(
                    lambda: adapter.sample(batch_size, generator, prompts=prompts, **first)
                )
            seconds.append(s)
        spec = BootstrapSpec(resamples=1000, confidence=0.95, seed=self.suite.seed)
        low, high = bootstrap_median_interval(seconds, spec)
        ttft = Measurement(
            "ttft_median_s",
            float(np.median(seconds)),  # as Timing.median: the mean of the middle two
            "speed",
            "s",
            higher_is_better=False,
            ci_low=low,
            ci_high=high,
            ci_level=spec.confidence,
            n=len(seconds),
            signature={**(samples_per_s.signature or {}), "measure": "batch, max_new_tokens=1"},
        )
        return [rate, ttft]
