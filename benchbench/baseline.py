"""Snapshots of a run — what a baseline file holds, and what the gate compares against it.

A cell is identified across runs by its model name and the params the suite sets
(not by its content key: a changed model must still be compared with its old self).
Each cell keeps the device model it was measured on: on a cluster, cells of one run
may run on different machines.
Per metric a snapshot keeps the value, its CI and N, its signature, and for
throughput the raw steady-state call durations, so the gate can test timings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchbench.hashing import canonical_json
from benchbench.store import Store, now

FORMAT = "benchbench.baseline/1"
ENVIRONMENT_KEYS = (
    "device",
    "device_name",
    "gpu_name",
    "gpu_driver",
    "cuda_runtime",
    "cpu_model",
    "cpu_count",
    "platform",
    "python",
    "git_sha",
)


class BaselineError(ValueError):
    """A baseline file that is missing or unreadable."""


@dataclass(frozen=True)
class MetricSnapshot:
    value: float
    kind: str
    unit: str
    higher_is_better: bool | None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    n: int | None = None
    signature_hash: str | None = None
    signature: dict[str, Any] | None = None
    samples: list[float] | None = None  # raw steady call durations (throughput only)


@dataclass(frozen=True)
class CellSnapshot:
    model: str
    params: dict[str, Any]
    family: str
    fingerprint: str
    status: str
    error: str | None = None
    metrics: dict[str, MetricSnapshot] = field(default_factory=dict)
    device_name: str | None = None  # where it was measured (cells of one run may differ)

    @property
    def identity(self) -> str:
        return f"{self.model} {canonical_json(self.params)}"

    @property
    def label(self) -> str:
        knobs = " ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.model} {knobs}".strip()


@dataclass(frozen=True)
class Snapshot:
    suite: str
    run_id: str
    environment: dict[str, Any]
    cells: list[CellSnapshot]

    @property
    def device_name(self) -> str | None:
        return self.environment.get("device_name")

    def to_json(self) -> str:
        payload = {"format": FORMAT, "created_at": now().isoformat(), **asdict(self)}
        return json.dumps(payload, indent=1, sort_keys=False, default=str) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Snapshot:
        try:
            payload = json.loads(text)
            if payload.get("format") != FORMAT:
                raise BaselineError(f"{where} is not a {FORMAT} file")
            cells = [
                CellSnapshot(
                    **{k: v for k, v in cell.items() if k != "metrics"},
                    metrics={m: MetricSnapshot(**v) for m, v in cell["metrics"].items()},
                )
                for cell in payload["cells"]
            ]
            return cls(payload["suite"], payload["run_id"], payload["environment"], cells)
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise BaselineError(f"{where} is not a readable baseline: {exc}") from exc


def snapshot_run(store: Store, run_id: str) -> Snapshot:
    run = store.run(run_id)
    if run is None:
        raise BaselineError(f"no run {run_id!r} in {store.path}")
    environment = store.run_environment(run_id)
    durations = store.run_steady_timings(run_id).groupby("position")["seconds"].apply(list)
    measurements = store.run_measurements(run_id)
    cells = []
    for cell in store.run_cells(run_id).itertuples():
        rows = measurements[measurements["position"] == cell.position]
        metrics = {
            m.metric: MetricSnapshot(
                value=float(m.value),
                kind=m.kind,
                unit=m.unit,
                higher_is_better=_optional(m.higher_is_better),
                ci_low=_optional(m.ci_low),
                ci_high=_optional(m.ci_high),
                ci_level=_optional(m.ci_level),
                n=None if _optional(m.n) is None else int(m.n),
                signature_hash=_optional(m.signature_hash),
                signature=json.loads(m.signature) if _optional(m.signature) else None,
                samples=list(durations.get(cell.position, []))
                if m.metric == "samples_per_s"
                else None,
            )
            for m in rows.itertuples()
        }
        cells.append(
            CellSnapshot(
                model=cell.model_name,
                params=json.loads(cell.suite_params),
                family=cell.family,
                fingerprint=cell.model_fingerprint,
                status=cell.status,
                error=_optional(cell.error),
                metrics=metrics,
                device_name=_optional(cell.device_name),
            )
        )
    env = {k: environment.get(k) for k in ENVIRONMENT_KEYS}
    return Snapshot(run["suite_name"], run_id, env, cells)


def _optional(value: Any) -> Any:
    """pandas' missing markers (NaN, NA, None) as None."""
    import pandas as pd

    if value is None:
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # lists and dicts are never missing
        return value


def write_baseline(snapshot: Snapshot, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(snapshot.to_json())
    tmp.replace(path)
    return path


def read_baseline(path: Path) -> Snapshot:
    if not path.is_file():
        raise BaselineError(
            f"baseline {path} not found; create it with `bench baseline accept --out {path}`"
        )
    return Snapshot.from_json(path.read_text(), str(path))
