"""Snapshots of a run — what a baseline file holds, and what the gate compares against it.

A cell is identified across runs by its model name and the params the suite sets
(not by its content key: a changed model must still be compared with its old self).
Each cell keeps the device model it was measured on: on a cluster, cells of one run
may run on different machines.
Per metric a snapshot keeps the value, its CI and N, its signature, and for
throughput the raw steady-state call durations, so the gate can test timings.
A snapshot of a run that did not complete every planned cell says why in ``partial``.

A baseline file comes from outside (a pull request may edit it): it is validated where
it is read, strictly (a string is not a number), and every error names the file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from benchbench.hashing import canonical_json
from benchbench.records import now
from benchbench.store.rows import StoredRun
from benchbench.store.runs import Store

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


# Statuses of a run that went through every planned cell (see ``run.driver.run_suite``).
FINISHED_RUN_STATUSES = ("complete", "complete-with-failures")
MAX_ERRORS_SHOWN = 5


class BaselineError(ValueError):
    """A baseline file that is missing or unreadable."""


@dataclass(frozen=True)
class MetricSnapshot:
    value: float | None  # None: missing (a hand-edited file); the gate fails it
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
    """One cell as a baseline file holds it. The field names are the file format's
    (``benchbench.baseline/1``): ``params`` are the cell's suite params and ``fingerprint``
    its model fingerprint; renaming them would make every existing baseline unreadable."""

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
    partial: str | None = None  # why the run is not complete (None: every planned cell is)

    @property
    def device_name(self) -> str | None:
        return self.environment.get("device_name")

    def to_json(self) -> str:
        payload = {"format": FORMAT, "created_at": now().isoformat(), **asdict(self)}
        return json.dumps(payload, indent=1, sort_keys=False, default=str) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Snapshot:
        """The snapshot in ``text``, checked field by field; errors name ``where``."""
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{where}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise BaselineError(f"{where}: not a baseline: JSON nested too deeply") from None
        if not isinstance(payload, dict):
            raise BaselineError(
                f"{where} is not a {FORMAT} file: it holds a JSON {_json_type(payload)}, "
                f"not an object"
            )
        if payload.get("format") != FORMAT:
            raise BaselineError(
                f"{where} is not a {FORMAT} file (its format is {payload.get('format')!r})"
            )
        try:
            return _SNAPSHOT.validate_json(text, strict=True)
        except ValidationError as exc:
            raise BaselineError(f"{where} is not a readable baseline: {_problems(exc)}") from None


_SNAPSHOT = TypeAdapter(Snapshot)


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return names.get(type(value), "null")


def _problems(exc: ValidationError) -> str:
    """Each wrong field as ``path: message``, e.g. ``cells[0].metrics.fd.value: ...``."""
    problems = [
        f"{_field_path(e['loc']) or 'top level'}: {e['msg']}"
        + ("" if e["type"] == "missing" else f" (found {e['input']!r:.40})")
        for e in exc.errors(include_url=False)
    ]
    more = len(problems) - MAX_ERRORS_SHOWN
    return "; ".join(problems[:MAX_ERRORS_SHOWN]) + (f"; and {more} more" if more > 0 else "")


def _field_path(loc: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def snapshot_run(store: Store, run_id: str) -> Snapshot:
    run = store.run(run_id)
    if run is None:
        raise BaselineError(f"no run {run_id!r} in {store.path}")
    environment = store.run_environment(run_id)
    durations = store.run_steady_timings(run_id).groupby("position")["seconds"].apply(list)
    measurements = store.run_measurements(run_id)
    cells = []
    for cell in store.run_cells(run_id):
        metrics = {
            m.metric: MetricSnapshot(
                value=m.value,
                kind=m.kind,
                unit=m.unit,
                higher_is_better=m.higher_is_better,
                ci_low=m.ci_low,
                ci_high=m.ci_high,
                ci_level=m.ci_level,
                n=m.n,
                signature_hash=m.signature_hash,
                signature=m.signature,
                samples=list(durations.get(cell.position, []))
                if m.metric == "samples_per_s"
                else None,
            )
            for m in measurements
            if m.position == cell.position
        }
        cells.append(
            CellSnapshot(
                model=cell.model_name,
                params=cell.suite_params,
                family=cell.family,
                fingerprint=cell.model_fingerprint,
                status=cell.status,
                error=cell.error,
                metrics=metrics,
                device_name=cell.device_name,
            )
        )
    env = {k: environment.get(k) for k in ENVIRONMENT_KEYS}
    return Snapshot(run.suite_name, run_id, env, cells, partial=_incomplete(run, cells))


def _incomplete(run: StoredRun, cells: list[CellSnapshot]) -> str | None:
    """Why ``run`` is not a complete result, or None when every planned cell is complete.

    A run that stopped early (Ctrl-C, a crash, a killed process) keeps the status it had
    then, and stores fewer cells than it planned; a failed cell has no values to compare."""
    problems = []
    if run.status not in FINISHED_RUN_STATUSES:
        problems.append(f"run {run.status}")
    planned = run.planned_cells
    if planned is not None and len(cells) < planned:
        problems.append(f"{len(cells)} of {planned} planned cells stored")
    failed = sum(cell.status != "complete" for cell in cells)
    if failed:
        problems.append(f"{failed} of {len(cells)} cells failed")
    return ", ".join(problems) or None


def write_baseline(snapshot: Snapshot, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(snapshot.to_json())
    tmp.replace(path)
    return path


def read_baseline(path: Path) -> Snapshot:
    if path.is_dir():
        raise BaselineError(f"baseline {path} is a directory, not a baseline file")
    if not path.is_file():
        raise BaselineError(
            f"baseline {path} not found; create it with `bench baseline accept --out {path}`"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")  # an editor's BOM is no error
    except UnicodeDecodeError as exc:
        raise BaselineError(
            f"{path} is not a baseline: not UTF-8 text (byte {exc.object[exc.start]:#04x} "
            f"at offset {exc.start})"
        ) from None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    return Snapshot.from_json(text, str(path))
