"""What the report shows, read from the store — and only from the store.

``summarize_run`` gives each cell's values; this module adds what a published number
also needs: its direction, unit, CI level and signature, the cell's seed and where
and when it was measured, its sample artifacts, and the run's environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from benchbench.hashing import canonical_json, stable_hash
from benchbench.human.results import human_scores
from benchbench.report.speedup import SPEEDUP, SPEEDUP_BOOTSTRAP, run_speedups, speedup_signature
from benchbench.report.summary import CellSummary, Value, summarize_run
from benchbench.store.runs import Store

# Artifacts a page can show; samples.npz (all samples as arrays) stays in the store.
SHOWN_MEDIA = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "audio/wav",
    "text/",
    "application/json",
)


@dataclass(frozen=True)
class Detail:
    """Where a number comes from: what ``summary.Value`` leaves out."""

    metric: str
    label: str
    kind: str
    unit: str
    higher_is_better: bool | None
    ci_level: float | None
    signature: dict[str, Any] | None
    signature_hash: str | None


@dataclass(frozen=True)
class Sample:
    """A stored artifact of a cell: a PNG grid of samples, a WAV clip, or generated text."""

    name: str
    media_type: str
    sha256: str
    content: bytes
    meta: dict[str, Any]


@dataclass
class Cell:
    summary: CellSummary
    cell_id: str
    measured_in: str  # the run that computed it (earlier than the report's run if reused)
    finished_at: datetime | None
    env_id: str
    device: str
    device_name: str | None  # the device model (speed is comparable only on equal ones)
    seed: int
    num_samples: int
    adapter: str
    weights: str | None
    model_fingerprint: str
    params: dict[str, Any]  # every declared parameter, defaults included
    details: dict[str, Detail] = field(default_factory=dict)  # keyed like the summary
    samples: list[Sample] = field(default_factory=list)

    @property
    def label(self) -> str:
        knobs = " ".join(f"{k}={v}" for k, v in self.summary.suite_params.items())
        return f"{self.summary.model} {knobs}".strip()

    @property
    def identity(self) -> str:
        """The same model and suite params across runs (content keys change with code)."""
        return f"{self.summary.model} {canonical_json(self.summary.suite_params)}"

    def value(self, group: str, key: str) -> Value | None:
        return getattr(self.summary, group).get(key)


@dataclass
class Run:
    run_id: str
    suite_name: str
    suite_hash: str
    suite_path: str
    started_at: datetime | None
    finished_at: datetime | None
    status: str
    version: str
    env_id: str
    suite: dict[str, Any]  # the validated suite as run
    cells: list[Cell]
    environments: dict[str, dict[str, Any]]  # the run's and those of reused cells
    # A training run's checkpoint evaluations and step blocks (the store's readers' rows;
    # empty for a sampling run).
    checkpoints: pd.DataFrame = field(default_factory=pd.DataFrame)
    blocks: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_run(store: Store, run_id: str, samples: bool = True) -> Run:
    """A run with its cells in suite order; ``samples=False`` skips the artifact blobs."""
    info = store.run(run_id)
    if info is None:
        raise KeyError(run_id)
    summaries = {row.position: row for row in summarize_run(store, run_id)}
    details = _details(store, run_id)
    artifacts = _samples(store, run_id) if samples else {}
    cells = [
        Cell(
            summary=summaries[c.position],
            cell_id=c.cell_id,
            measured_in=c.run_id,
            finished_at=_utc(c.finished_at),
            env_id=c.env_id,
            device=c.device,
            device_name=c.device_name,
            seed=c.seed,
            num_samples=c.num_samples,
            adapter=c.adapter,
            weights=c.weights,
            model_fingerprint=c.model_fingerprint,
            params=c.params,
            details=details.get(c.position, {}),
            samples=artifacts.get(c.position, []),
        )
        for c in store.run_cells(run_id)
    ]
    _add_human_scores(store, cells)
    _add_speedups(store, run_id, cells)
    env_ids = sorted({info.env_id, *(c.env_id for c in cells)} - {None})
    return Run(
        run_id=run_id,
        suite_name=info.suite_name,
        suite_hash=info.suite_hash,
        suite_path=info.suite_path,
        started_at=_utc(info.started_at),
        finished_at=_utc(info.finished_at),
        status=info.status,
        version=info.benchbench_version,
        env_id=info.env_id,
        suite=info.suite,
        cells=cells,
        environments=store.environments(env_ids),
        checkpoints=store.run_training_checkpoints(run_id),
        blocks=store.run_training_blocks(run_id),
    )


def _details(store: Store, run_id: str) -> dict[int, dict[str, Detail]]:
    found: dict[int, dict[str, Detail]] = {}
    for m in store.run_measurements(run_id):
        key = m.label if m.kind == "quality" else m.metric
        found.setdefault(m.position, {})[key] = Detail(
            metric=m.metric,
            label=m.label,
            kind=m.kind,
            unit=m.unit or "",
            higher_is_better=m.higher_is_better,
            ci_level=m.ci_level,
            signature=m.signature,
            signature_hash=m.signature_hash,
        )
    return found


def _add_human_scores(store: Store, cells: list[Cell]) -> None:
    """Human-study scores of these cells, as quality values after the automatic ones."""
    by_id = {c.cell_id: c for c in cells}
    for score in human_scores(store, list(by_id)):
        cell = by_id[score.cell_id]
        cell.summary.quality[score.label] = Value(score.value, score.low, score.high, score.n)
        cell.details[score.label] = Detail(
            metric=score.metric,
            label=score.label,
            kind="quality",
            unit="",
            higher_is_better=True,
            ci_level=score.ci_level,
            signature=score.signature,
            signature_hash=stable_hash(score.signature),
        )


def _add_speedups(store: Store, run_id: str, cells: list[Cell]) -> None:
    """Each variant cell's speed-up over its eager twin, as bench run's table shows it."""
    by_position = {c.summary.position: c for c in cells}
    signature = speedup_signature()
    for position, value in run_speedups(store, run_id).items():
        cell = by_position[position]
        cell.summary.speed[SPEEDUP] = value
        cell.details[SPEEDUP] = Detail(
            metric=SPEEDUP,
            label=SPEEDUP,
            kind="speed",
            unit="×",
            higher_is_better=True,
            ci_level=SPEEDUP_BOOTSTRAP.confidence,
            signature=signature,
            signature_hash=stable_hash(signature),
        )


def _samples(store: Store, run_id: str) -> dict[int, list[Sample]]:
    found: dict[int, list[Sample]] = {}
    for a in store.run_artifacts(run_id):
        if a.media_type.startswith(SHOWN_MEDIA):
            found.setdefault(a.position, []).append(
                Sample(a.name, a.media_type, a.sha256, a.content, a.meta)
            )
    return found


def _utc(stamp: datetime | None) -> datetime | None:
    """``stamp`` in UTC (DuckDB hands a TIMESTAMPTZ over in the session's time zone)."""
    if stamp is None:
        return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
