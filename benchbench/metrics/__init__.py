"""Quality metrics by name, and the result every metric returns.

A metric is a small streaming class: ``update`` many times, ``compute`` once. Its
result carries the value, a confidence interval, N and a signature of how it was
computed (sacrebleu's idea): two numbers are comparable only when their signatures
are equal. As torchmetrics' base wraps ``compute``, ``Metric.compute`` builds the
result and its signature; a subclass's ``calculate`` holds only the arithmetic and
returns an ``Estimate``.

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

import numpy as np

from benchbench.catalogue import INPUTS_BY_OUTPUT
from benchbench.hashing import canonical_json, stable_hash

if TYPE_CHECKING:
    import torch

    from benchbench.metrics.stats import BootstrapSpec

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


@dataclass(frozen=True)
class Estimate:
    """What a metric's arithmetic yields: the value and its interval over ``n`` samples,
    and its ``recipe``: the signature's entries after ``metric`` and ``version`` (the
    features or encoder, N, hyper-parameters, and ``"ci": Metric.ci_signature()`` where
    the metric first stored it: the key order of a stored signature stays as it was)."""

    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    recipe: dict[str, Any]
    warnings: tuple[str, ...] = ()
    details: dict[str, float] = field(default_factory=dict)


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
    resampling: ClassVar[str] = "bootstrap"  # how replicates are drawn (see metrics.stats)
    bounds: ClassVar[tuple[float, float]] = (-math.inf, math.inf)  # the interval is clipped to it
    label: str  # what a table shows, e.g. "FD[digits-cnn]": a class constant or a property
    bootstrap: BootstrapSpec | None  # the interval's recipe; None: no interval

    @classmethod
    @abstractmethod
    def create(cls, setup: MetricSetup) -> Metric:
        """A fresh metric for one evaluation; raises ``MetricSetupError`` if it cannot run."""

    @abstractmethod
    def observe(self, inputs: MetricInputs) -> None:
        """Take what ``inputs`` declares (one ``update`` per input)."""

    @abstractmethod
    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        """The arithmetic: value, interval and recipe of what was observed."""

    def compute(self, shared: dict[Any, Any] | None = None) -> MetricResult:
        """The final result; call after all ``update`` calls. ``shared`` is one dict per
        evaluation in which metrics on the same inputs keep costly work for each other
        (precision, recall, density and coverage share one set of k-NN distances)."""
        estimate = self.calculate({} if shared is None else shared)
        ci_low, ci_high = estimate.ci_low, estimate.ci_high
        if ci_low is not None:
            ci_low, ci_high = np.clip([ci_low, ci_high], *self.bounds).tolist()
        return MetricResult(
            metric=self.name,
            label=self.label,
            value=float(estimate.value),
            ci_low=ci_low,
            ci_high=ci_high,
            n=estimate.n,
            unit=self.unit,
            higher_is_better=self.higher_is_better,
            signature={"metric": self.name, "version": self.version, **estimate.recipe},
            warnings=estimate.warnings,
            details=estimate.details,
        )

    def ci_signature(self) -> str | None:
        """How the interval was made, as the signature records it: the bootstrap recipe,
        the resampling scheme unless a plain bootstrap, and the re-centring."""
        if self.bootstrap is None:
            return "none"
        scheme = "" if self.resampling == "bootstrap" else f",{self.resampling}"
        return f"{self.bootstrap.signature()}{scheme},recentred"


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
