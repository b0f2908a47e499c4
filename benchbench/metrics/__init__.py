"""Quality metrics by name, and the result every metric returns.

A metric is a small streaming class: ``update`` many times, ``compute`` once. Its
result carries the value, a confidence interval, N and a signature of how it was
computed (sacrebleu's idea): two numbers are comparable only when their signatures
are equal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from benchbench.hashing import canonical_json, stable_hash
from benchbench.registry import Registry


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

    @property
    def signature_hash(self) -> str:
        return stable_hash(self.signature)

    def signature_string(self) -> str:
        return canonical_json(self.signature)


class Metric(ABC):
    """Base of all metrics. ``higher_is_better`` belongs to the metric, not to a config."""

    name: ClassVar[str]
    version: ClassVar[str]
    higher_is_better: ClassVar[bool]
    unit: ClassVar[str] = ""

    @abstractmethod
    def compute(self) -> MetricResult:
        """The final result; call after all ``update`` calls."""


METRICS: Registry[type[Metric]] = Registry(
    "metric", base=Metric, entry_point_group="benchbench.metrics"
)
METRICS.register("fd", "benchbench.metrics.image.fd:FrechetDistance")
METRICS.register("kd", "benchbench.metrics.image.kd:KernelDistance")
