"""Quality metrics by name, and the result every metric returns.

A metric is a small streaming class: ``update`` many times, ``compute`` once. Its
result carries the value, a confidence interval, N and a signature of how it was
computed (sacrebleu's idea): two numbers are comparable only when their signatures
are equal.

A metric declares what it consumes (``inputs``: features, logits, images, the model)
and takes it from a ``MetricInputs`` in ``observe``; the evaluator computes each input
once, on first request, and never branches on metric names.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from benchbench.hashing import canonical_json, stable_hash
from benchbench.registry import Registry

if TYPE_CHECKING:
    import torch

    from benchbench.metrics.stats import BootstrapSpec

# What a metric may ask for (``Metric.inputs``), by what the suite's models output;
# ``MetricInputs`` provides each by name.
INPUTS_BY_OUTPUT: dict[str, tuple[str, ...]] = {
    "image": (
        "images",  # generated samples, float in [0, 1], NCHW
        "features",  # extractor features of the samples
        "logits",  # extractor class logits of the samples
        "reference_images",
        "reference_features",
        "model",  # the adapter that produced the samples (for latent-space metrics)
        "extractor",  # the feature extractor itself, to embed images a metric makes
        "conditions",  # with a suite's prompts: the Prompt each sample was asked for
    ),
    "text": (
        "texts",  # generated continuations
        "prompts",  # the prompts they continue
        "references",  # the true continuations
        "heldout",  # held-out passages the model's perplexity is measured on
        "model",  # the language model (for perplexity)
        "model_key",  # its fingerprint (weights), keying what depends on the model alone
    ),
}
INPUT_NAMES = tuple(dict.fromkeys(n for names in INPUTS_BY_OUTPUT.values() for n in names))


@dataclass(frozen=True)
class MetricResult:
    metric: str
    label: str
    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    unit: str
    higher_is_better: bool
    signature: dict[str, Any]
    warnings: tuple[str, ...] = field(default=())
    details: dict[str, float] = field(default_factory=dict)  # e.g. a split std (IS, KID)

    def __post_init__(self) -> None:
        """An interval with a non-finite end (some resamples have no value: too few samples
        for the metric, e.g. KD's within-set pairs at N=2) is no interval: it is dropped
        and a warning says why, so no NaN bound reaches a table, a JSON file or the gate."""
        bounds = (self.ci_low, self.ci_high)
        if any(b is not None and not math.isfinite(b) for b in bounds):
            object.__setattr__(self, "ci_low", None)
            object.__setattr__(self, "ci_high", None)
            note = f"no interval: some resamples of the {self.n} samples have no value"
            object.__setattr__(self, "warnings", (*self.warnings, note))

    @property
    def signature_hash(self) -> str:
        return stable_hash(self.signature)

    def signature_string(self) -> str:
        return canonical_json(self.signature)


class MetricSetupError(ValueError):
    """A metric that cannot run in this setting (wrong extractor, missing model capability)."""


@dataclass(frozen=True)
class MetricSetup:
    """What every metric of an evaluation shares: extractor and reference identity, CI recipe."""

    features: dict[str, Any]
    reference: str
    bootstrap: BootstrapSpec | None
    device: torch.device | None = None
    seed: int = 0
    weights_dir: Path | None = None


class MetricInputs(Protocol):
    """The inputs named in ``INPUT_NAMES``; ``get`` computes one on first use or explains
    why it cannot (e.g. no logits from this extractor, no model in ``bench score``)."""

    def get(self, name: str) -> Any: ...


class Metric(ABC):
    """Base of all metrics. ``higher_is_better`` belongs to the metric, not to a config."""

    name: ClassVar[str]
    version: ClassVar[str]
    higher_is_better: ClassVar[bool]
    unit: ClassVar[str] = ""
    inputs: ClassVar[tuple[str, ...]]

    @classmethod
    @abstractmethod
    def create(cls, setup: MetricSetup) -> Metric:
        """A fresh metric for one evaluation; raises ``MetricSetupError`` if it cannot run."""

    @abstractmethod
    def observe(self, inputs: MetricInputs) -> None:
        """Take what ``inputs`` declares (one ``update`` per input)."""

    @abstractmethod
    def compute(self, shared: dict[Any, Any] | None = None) -> MetricResult:
        """The final result; call after all ``update`` calls. ``shared`` is one dict per
        evaluation in which metrics on the same inputs keep costly work for each other
        (precision, recall, density and coverage share one set of k-NN distances)."""


def compute_all(
    classes: list[type[Metric]],
    setup: MetricSetup,
    inputs: MetricInputs,
    shared: dict[Any, Any] | None = None,
) -> list[MetricResult]:
    """One fresh metric per class, fed ``inputs``; ``shared`` lets them reuse costly work."""
    shared = {} if shared is None else shared
    results = []
    for cls in classes:
        metric = cls.create(setup)
        metric.observe(inputs)
        results.append(metric.compute(shared))
    return results


METRICS: Registry[type[Metric]] = Registry(
    "metric", base=Metric, entry_point_group="benchbench.metrics"
)
for _name, _target in {
    "fd": "benchbench.metrics.image.fd:FrechetDistance",
    "fid": "benchbench.metrics.image.fd:FrechetInceptionDistance",
    "kd": "benchbench.metrics.image.kd:KernelDistance",
    "kid": "benchbench.metrics.image.kid:KernelInceptionDistance",
    "is": "benchbench.metrics.image.isc:InceptionScore",
    "precision": "benchbench.metrics.image.prdc:Precision",
    "recall": "benchbench.metrics.image.prdc:Recall",
    "density": "benchbench.metrics.image.prdc:Density",
    "coverage": "benchbench.metrics.image.prdc:Coverage",
    "lpips": "benchbench.metrics.image.lpips_diversity:LPIPSDiversity",
    "ppl": "benchbench.metrics.image.ppl:LatentPathLength",
    "cmmd": "benchbench.metrics.image.cmmd:CMMD",
    "cond-accuracy": "benchbench.metrics.image.conditional:ConditionalAccuracy",
    "clip-score": "benchbench.metrics.image.clip_score:CLIPScore",
    "prompt-diversity": "benchbench.metrics.image.conditional:PromptDiversity",
    "bleu": "benchbench.metrics.text.sacrebleu_metrics:BLEU",
    "chrf": "benchbench.metrics.text.sacrebleu_metrics:ChrF",
    "ter": "benchbench.metrics.text.sacrebleu_metrics:TER",
    "rouge1": "benchbench.metrics.text.rouge:Rouge1",
    "rouge2": "benchbench.metrics.text.rouge:Rouge2",
    "rouge-l": "benchbench.metrics.text.rouge:RougeL",
    "rouge-lsum": "benchbench.metrics.text.rouge:RougeLsum",
    "rouge-s": "benchbench.metrics.text.rouge:RougeS",
    "rouge-s4": "benchbench.metrics.text.rouge:RougeS4",
    "perplexity": "benchbench.metrics.text.perplexity:Perplexity",
    "perplexity-word": "benchbench.metrics.text.perplexity:PerplexityPerWord",
    "bits-per-byte": "benchbench.metrics.text.perplexity:BitsPerByte",
    "distinct-1": "benchbench.metrics.text.diversity:DistinctN",
    "distinct-2": "benchbench.metrics.text.diversity:Distinct2",
    "distinct-3": "benchbench.metrics.text.diversity:Distinct3",
    "self-bleu": "benchbench.metrics.text.diversity:SelfBLEU",
    "bertscore": "benchbench.metrics.text.bertscore:BERTScore",
    "mauve": "benchbench.metrics.text.mauve_metric:MAUVE",
}.items():
    METRICS.register(_name, _target)
