"""Trains one training cell: step its trainer, summarise the steps in blocks, score the
model at checkpoints, and return it all as a ``CellRecord``.

Checkpoints are at step 0 (before any update), every ``checkpoint_every`` steps and at the
last step; each scores samples of the model as it is then with the run's evaluator (the
sampling cells' own), and keeps a grid of them. A non-finite loss or gradient norm stops
the training at that step: the run *diverged*, which is a result, so the cell is complete
and its last good checkpoint stands as final. After each checkpoint the cell writes its
resume state (trainer, step, seconds, history so far) atomically to
``<state folder>/<cell key>/state.pt``; a cell that finds one continues from it, and gives
the same record as if it had never stopped. Nothing reaches the store before the cell
completes: the driver stores it in one transaction and then deletes the state.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from benchbench.catalogue import training_metric_names
from benchbench.hashing import sha256_bytes
from benchbench.records import (
    Artifact,
    CellRecord,
    Measurement,
    TrainingBlock,
    TrainingCheckpoint,
    now,
)
from benchbench.run.cell import BatchCaller, describe_error, mark_failed, quality_measurements
from benchbench.run.training_plan import TrainingCellPlan
from benchbench.trainers.base import StepResult, Trainer

if TYPE_CHECKING:
    from benchbench.run.executors.base import CellJob

STATE_FILE = "state.pt"


def state_path(state_dir: Path, key: str) -> Path:
    """Where the cell ``key`` keeps its resume state."""
    return state_dir / key / STATE_FILE


@dataclass
class History:
    """What a training cell has done so far: all its record needs, and all it resumes from."""

    step: int = 0
    seconds: float = 0.0  # training seconds, evaluations excluded
    blocks: list[TrainingBlock] = field(default_factory=list)
    checkpoints: list[TrainingCheckpoint] = field(default_factory=list)
    grids: dict[str, bytes] = field(default_factory=dict)  # artifact name -> PNG
    diverged_at: int | None = None

    def to_state(self) -> dict[str, Any]:
        """Plain values and tensors only, for ``torch.load(weights_only=True)``."""
        return {
            "step": self.step,
            "seconds": self.seconds,
            "blocks": [asdict(b) for b in self.blocks],
            "checkpoints": [_checkpoint_state(c) for c in self.checkpoints],
            "grids": {name: _as_tensor(png) for name, png in self.grids.items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> History:
        return cls(
            step=state["step"],
            seconds=state["seconds"],
            blocks=[
                TrainingBlock(**{**b, "series": {k: tuple(v) for k, v in b["series"].items()}})
                for b in state["blocks"]
            ],
            checkpoints=[
                TrainingCheckpoint(
                    c["step"],
                    c["train_seconds"],
                    [_measurement(m) for m in c["measurements"]],
                )
                for c in state["checkpoints"]
            ],
            grids={name: bytes(t.numpy().tobytes()) for name, t in state["grids"].items()},
        )


def _checkpoint_state(checkpoint: TrainingCheckpoint) -> dict[str, Any]:
    return {
        "step": checkpoint.step,
        "train_seconds": checkpoint.train_seconds,
        "measurements": [
            {**asdict(m), "warnings": list(m.warnings)} for m in checkpoint.measurements
        ],
    }


def _measurement(state: dict[str, Any]) -> Measurement:
    return Measurement(**{**state, "warnings": tuple(state["warnings"])})


def _as_tensor(data: bytes) -> torch.Tensor:
    """Bytes as a uint8 tensor: what ``weights_only`` loading reads back."""
    return torch.frombuffer(bytearray(data), dtype=torch.uint8)


def save_state(path: Path, key: str, trainer: Trainer, history: History) -> None:
    """Write the resume state atomically: a reader finds the old state or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    torch.save(
        {"key": key, "trainer": trainer.state_dict(), "history": history.to_state()}, partial
    )
    os.replace(partial, path)


def resume(path: Path, key: str, trainer: Trainer) -> tuple[History, str | None]:
    """The history in ``path`` with ``trainer`` restored from it, or a fresh history and a
    warning naming the file when one was there but unusable (``trainer`` may then be
    half-restored: train a fresh one)."""
    if not path.exists():
        return History(), None
    try:
        state = torch.load(path, weights_only=True)
        if state.get("key") != key:
            raise ValueError(f"it belongs to another cell ({state.get('key')!r})")
        history = History.from_state(state["history"])
        trainer.load_state_dict(state["trainer"])
    except Exception as exc:  # a torn, foreign or garbled file: train from the start
        reason = f"{type(exc).__name__}: {exc}"
        return History(), f"ignored the resume state {path} ({reason}); trained from step 0"
    return history, None


class BlockBuilder:
    """Accumulates the steps of one block: per series its finite values, seconds, and the
    count of steps with a non-finite figure."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}
        self.steps = 0
        self.seconds = 0.0
        self.nonfinite = 0

    def add(self, result: StepResult, seconds: float) -> bool:
        """Add one step; whether all its figures were finite."""
        figures = {f"loss/{k}": v for k, v in result.losses.items()}
        figures |= {f"grad_norm/{k}": v for k, v in result.grad_norms.items()}
        finite = all(math.isfinite(v) for v in figures.values())
        for name, value in figures.items():
            kept = self.values.setdefault(name, [])
            if math.isfinite(value):
                kept.append(float(value))
        self.steps += 1
        self.seconds += seconds
        self.nonfinite += not finite
        return finite

    def close(self, step_end: int) -> TrainingBlock:
        series = {n: (sum(v) / len(v), max(v)) for n, v in self.values.items() if v}
        return TrainingBlock(step_end, self.steps, self.seconds, self.nonfinite, series)


def execute_training_cell(
    cell: TrainingCellPlan, job: CellJob, env_id: str, observer: Any
) -> CellRecord:
    """The cell trained and scored, or its failed record (only Ctrl-C escapes)."""
    record = training_record(cell, job, env_id)
    try:
        warning = train(cell, job, record, observer)
    except KeyboardInterrupt:
        raise  # the resume state of the last checkpoint stays for the next run
    except BaseException as exc:
        return mark_failed(record, f"{describe_error(exc)}\n{traceback.format_exc(limit=8)}")
    if warning is not None:
        observer.cell_warning(cell, warning)
    record.finished_at = now()
    return record


def training_record(cell: TrainingCellPlan, job: CellJob, env_id: str) -> CellRecord:
    """A training cell's record before anything is trained."""
    return CellRecord(
        cell_key=cell.key,
        run_id=job.run_id,
        suite_name=job.loaded.suite.name,
        model_name=cell.recipe.name,
        family=cell.trainer.family,
        adapter=f"trainer:{cell.trainer.name}",
        params=cell.hyper,
        suite_params=cell.suite_params,
        weights=None,
        model_fingerprint=cell.model_fingerprint,
        device=str(job.device),
        env_id=env_id,
        seed=cell.seed,
        num_samples=cell.sampling.num_samples,
        batch_size=cell.sampling.batch_size,
        status="complete",
        started_at=now(),
        finished_at=now(),
    )


def train(cell: TrainingCellPlan, job: CellJob, record: CellRecord, observer: Any) -> str | None:
    """Train ``cell`` from its resume state (if any) to its budget or divergence; fill
    ``record``; return a warning about an unusable resume state."""
    recipe = cell.recipe
    trainer = cell.build(job.device)
    path = state_path(job.state_dir, cell.key) if job.state_dir is not None else None
    history, warning = resume(path, cell.key, trainer) if path else (History(), None)
    if warning is not None:  # the unusable state may have half-loaded the trainer
        trainer = cell.build(job.device)
    observer.training_started(cell, recipe.steps, history.step)
    if not history.checkpoints:
        evaluate(cell, job, trainer, history)
    block = BlockBuilder()
    while history.step < recipe.steps and history.diverged_at is None:
        start = time.perf_counter()
        result = trainer.train_step()
        seconds = time.perf_counter() - start
        history.step += 1
        history.seconds += seconds
        finite = block.add(result, seconds)
        observer.step_done(cell)
        step = history.step
        at_checkpoint = step % recipe.checkpoint_every == 0 or step == recipe.steps
        if not finite:
            history.diverged_at = step
        if not finite or at_checkpoint or step % recipe.log_interval == 0:
            history.blocks.append(block.close(step))
            block = BlockBuilder()
        if finite and at_checkpoint:
            evaluate(cell, job, trainer, history)
            if path is not None:
                save_state(path, cell.key, trainer, history)
            observer.checkpoint_done(cell, step)
    fill_record(cell, job, record, history)
    return warning


def evaluate(cell: TrainingCellPlan, job: CellJob, trainer: Trainer, history: History) -> None:
    """Score the model as it is now (the run's evaluator, on samples seeded as a sampling
    cell's are) and keep a grid of its samples."""
    adapter = trainer.sampler()
    suite = job.loaded.suite
    call = BatchCaller(cell, adapter, job.kind, suite.seed, job.device)
    size, count = cell.sampling.batch_size, cell.sampling.num_samples
    who = f"trainer {cell.trainer.name!r} of recipe {cell.recipe.name!r}"
    kept = [job.kind.check(call(i), size, who) for i in range(math.ceil(count / size))]
    samples = job.kind.collect(kept, count, adapter, who)
    fingerprint = f"{cell.model_fingerprint}@seed{cell.seed}@step{history.step}"
    results = job.evaluator.evaluate(samples, adapter=adapter, model_fingerprint=fingerprint)
    measurements = quality_measurements(results, suite.bootstrap.confidence)
    history.checkpoints.append(TrainingCheckpoint(history.step, history.seconds, measurements))
    for artifact in job.kind.artifacts(samples, suite.seed):
        if artifact.media_type == "image/png":
            history.grids[f"samples-step-{history.step:06d}.png"] = artifact.content


def fill_record(cell: TrainingCellPlan, job: CellJob, record: CellRecord, history: History) -> None:
    """The record of a finished cell: its blocks, checkpoints and grids, and as its own
    measurements the last good checkpoint's quality plus the training figures."""
    training = job.loaded.suite.training
    quality = training.quality
    record.training_blocks = list(history.blocks)
    record.training_checkpoints = list(history.checkpoints)
    record.artifacts = [
        Artifact(name, "image/png", sha256_bytes(png), png, {"seed": cell.seed})
        for name, png in sorted(history.grids.items())
    ]
    last = history.checkpoints[-1]
    record.measurements = [Measurement(**asdict(m)) for m in last.measurements]
    values = {c.step: _value(c, quality) for c in history.checkpoints}
    better = next(m.higher_is_better for m in last.measurements if m.metric == quality)
    best_step, best = min(values.items(), key=lambda kv: (-kv[1] if better else kv[1], kv[0]))
    worse_than_start = values[last.step] < values[0] if better else values[last.step] > values[0]
    diverged = history.diverged_at is not None or worse_than_start
    collapsed = any(_value(last, m) < threshold for m, threshold in training.collapse.items())
    roles = ("train_s", "steps", "diverged", "collapsed", "best", "best_step")
    names = dict(zip(roles, training_metric_names(quality), strict=True))
    record.measurements += [
        Measurement(names["train_s"], history.seconds, "speed", "s", higher_is_better=False),
        Measurement(names["steps"], float(history.step), "training", "steps"),
        Measurement(names["diverged"], float(diverged), "training", higher_is_better=False),
        Measurement(names["collapsed"], float(collapsed), "training", higher_is_better=False),
        Measurement(names["best"], best, "training", higher_is_better=better),
        Measurement(names["best_step"], float(best_step), "training", "steps"),
    ]


def _value(checkpoint: TrainingCheckpoint, metric: str) -> float:
    return next(m.value for m in checkpoint.measurements if m.metric == metric)
