"""What the store's readers get back: typed rows in which a missing value is ``None``.

One rule for every reader (the report, the gate's snapshot, human studies): SQL NULL is
``None``, and so is a NaN where the column is optional (an interval's bounds and level:
a stored NaN bound is no interval); JSON columns arrive parsed. A measured ``value`` is
never optional, so a NaN value stays NaN and the gate fails it with a reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

Row = TypeVar("Row")


def optional_number(value: float | None) -> float | None:
    """``None`` for a missing number: SQL NULL or NaN."""
    return None if value is None or math.isnan(value) else value


def parsed_json(text: str | None, empty: Any = None) -> Any:
    """A JSON column's value; ``empty`` where the column is NULL or empty."""
    return json.loads(text) if text else empty


def from_columns(cls: type[Row], columns: dict[str, Any], **parsed: Any) -> Row:
    """A ``cls`` from a row by column name, with ``parsed`` replacing raw columns. A
    column that an older store lacks (``runs.planned_cells``) reads as None."""
    names = (f.name for f in fields(cls))
    return cls(**{name: parsed.get(name, columns.get(name)) for name in names})


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    suite_name: str
    suite_hash: str
    suite_path: str
    suite: dict[str, Any]  # the validated suite as run
    env_id: str | None
    benchbench_version: str
    started_at: datetime | None
    finished_at: datetime | None
    status: str
    planned_cells: int | None  # None: not recorded (a run older than the column)

    @classmethod
    def of(cls, columns: dict[str, Any]) -> StoredRun:
        return from_columns(cls, columns, suite=parsed_json(columns["suite"], {}))


@dataclass(frozen=True)
class StoredCell:
    """A cell of a run, in the run's order."""

    position: int
    reused: bool  # computed by an earlier run (``run_id``) and linked into this one
    cell_id: str
    cell_key: str
    run_id: str  # the run that computed it
    suite_name: str
    model_name: str
    family: str
    adapter: str
    params: dict[str, Any]  # every declared parameter, resolved
    suite_params: dict[str, Any]  # the ones the suite file set (what tells cells apart)
    weights: str | None
    model_fingerprint: str
    device: str
    env_id: str | None
    seed: int
    num_samples: int
    batch_size: int
    status: str
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    device_name: str | None  # the device model it was measured on

    @classmethod
    def of(cls, columns: dict[str, Any]) -> StoredCell:
        return from_columns(
            cls,
            columns,
            params=parsed_json(columns["params"], {}),
            suite_params=parsed_json(columns["suite_params"], {}),
        )


@dataclass(frozen=True)
class StoredMeasurement:
    position: int  # of its cell in the run
    cell_id: str
    metric: str
    label: str
    kind: str
    value: float
    ci_low: float | None
    ci_high: float | None
    ci_level: float | None
    n: int | None
    unit: str | None
    higher_is_better: bool | None
    signature: dict[str, Any] | None
    signature_hash: str | None
    warnings: tuple[str, ...]

    @classmethod
    def of(cls, columns: dict[str, Any]) -> StoredMeasurement:
        return from_columns(
            cls,
            columns,
            ci_low=optional_number(columns["ci_low"]),
            ci_high=optional_number(columns["ci_high"]),
            ci_level=optional_number(columns["ci_level"]),
            signature=parsed_json(columns["signature"]),
            warnings=tuple(parsed_json(columns["warnings"], [])),
        )


@dataclass(frozen=True)
class StoredArtifact:
    position: int  # of its cell in the run
    name: str
    media_type: str
    sha256: str
    content: bytes
    meta: dict[str, Any]

    @classmethod
    def of(cls, columns: dict[str, Any]) -> StoredArtifact:
        return from_columns(cls, columns, meta=parsed_json(columns["meta"], {}))
