"""The records one stage hands to the next: what a measured cell is made of.

The runner fills a ``CellRecord`` (its ``Measurement`` rows, raw timings and
``Artifact`` files) and the store writes it in one transaction; outputs, measuring code
and executors build these records without knowing how they are stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from benchbench.hashing import stable_hash


def now() -> datetime:
    return datetime.now(UTC)


# Measurement kinds that depend on the machine: comparable only on the same device model.
DEVICE_BOUND_KINDS = ("speed", "memory", "roofline")


@dataclass
class Measurement:
    metric: str
    value: float
    kind: str  # "quality" | "speed" | "memory" | "roofline"
    unit: str = ""
    higher_is_better: bool | None = None
    label: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    n: int | None = None
    signature: dict[str, Any] | None = None
    signature_hash: str | None = None
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.signature is not None and self.signature_hash is None:
            self.signature_hash = stable_hash(self.signature)


@dataclass
class Artifact:
    name: str
    media_type: str
    sha256: str
    content: bytes
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainingBlock:
    """A block of consecutive training steps of a training cell, summarised: per series
    (``loss/<name>``, ``grad_norm/<name>``) its mean and max over the block's finite
    values, how many steps it holds, their wall seconds, and how many steps had a
    non-finite loss or gradient norm."""

    step_end: int  # the last step of the block (steps count from 1)
    steps: int
    seconds: float
    nonfinite: int
    series: dict[str, tuple[float, float]] = field(default_factory=dict)  # name -> (mean, max)


@dataclass
class TrainingCheckpoint:
    """A training cell's evaluation at one step (step 0: before the first update): the
    quality measurements of samples drawn from the model as it was, and the training
    seconds spent up to it (evaluation time excluded)."""

    step: int
    train_seconds: float
    measurements: list[Measurement] = field(default_factory=list)


@dataclass
class CellRecord:
    """Everything about one cell, written in one transaction."""

    cell_key: str
    run_id: str
    suite_name: str
    model_name: str
    family: str
    adapter: str
    params: dict[str, Any]  # every declared parameter
    suite_params: dict[str, Any]  # the ones the suite file set (what tells cells apart)
    weights: str | None
    model_fingerprint: str
    device: str
    env_id: str
    seed: int
    num_samples: int
    batch_size: int
    status: str  # "complete" | "failed"
    started_at: datetime
    finished_at: datetime
    error: str | None = None
    measurements: list[Measurement] = field(default_factory=list)
    timing_samples: list[tuple[str, int, float, int]] = field(
        default_factory=list
    )  # phase, idx, s, items
    artifacts: list[Artifact] = field(default_factory=list)
    training_blocks: list[TrainingBlock] = field(default_factory=list)  # training cells only
    training_checkpoints: list[TrainingCheckpoint] = field(default_factory=list)
    cell_id: str = field(default_factory=lambda: uuid.uuid4().hex)
