"""A training run written into a store by hand, for the report's and the gate's tests.

Three settings (recipe × hyper) of three seeds each: a healthy GAN, a fragile GAN whose
seeds collapse, and a diffusion model. Each seed cell has step blocks, checkpoint
evaluations at steps 0, 150 and 300, a PNG grid per checkpoint and its final
measurements; each setting has a stability cell. The numbers are made up but seeded, and
shaped like the run side's (the design file's names).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from benchbench.hashing import sha256_bytes
from benchbench.records import (
    Artifact,
    CellRecord,
    Measurement,
    TrainingBlock,
    TrainingCheckpoint,
    now,
)
from benchbench.store.runs import Store

STEPS = (0, 150, 300)
LOG_EVERY = 50
SEEDS = 3
FD_LABEL = "FD[digits-cnn]"
SUITE = {
    "name": "training",
    "seed": 0,
    "metrics": ["fd", "recall", "coverage"],
    "training": {
        "seeds": SEEDS,
        "quality": "fd",
        "collapse": {"recall": 0.1, "coverage": 0.1},
        "target": 100.0,
    },
}


@dataclass(frozen=True)
class Setting:
    name: str
    trainer: str
    family: str
    hyper: dict
    final_fd: tuple[float, ...]  # per seed
    collapsed: tuple[int, ...]  # per seed


SETTINGS = (
    Setting("dcgan", "dcgan-digits", "gan", {}, (60.0, 70.0, 65.0), (0, 0, 0)),
    Setting(
        "dcgan-fragile",
        "dcgan-digits",
        "gan",
        {"lr": 0.002, "batch_norm": False},
        (220.0, 90.0, 260.0),
        (1, 0, 1),
    ),
    Setting("ddpm", "ddpm-digits", "diffusion", {}, (50.0, 52.0, 51.0), (0, 0, 0)),
)


def grid_png(seed: int) -> bytes:
    """A small made-up sample grid (16×16 gray noise, deterministic)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (16, 16), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def checkpoint_fd(setting: Setting, seed: int, step: int) -> float:
    """FD falling from 300 at step 0 to the seed's final value, with a seeded wobble."""
    final = setting.final_fd[seed]
    wobble = float(np.random.default_rng([seed, step, len(setting.name)]).normal(0, 5))
    return 300.0 + (final - 300.0) * step / STEPS[-1] + (wobble if 0 < step < STEPS[-1] else 0)


def quality(metric: str, value: float, **extra) -> Measurement:
    label = {"fd": FD_LABEL}.get(metric, metric)
    better = metric != "fd"
    return Measurement(
        metric,
        value,
        "quality",
        higher_is_better=better,
        label=label,
        ci_low=value * 0.9,
        ci_high=value * 1.1,
        ci_level=0.95,
        n=256,
        signature={"metric": metric, "features": "digits-cnn"},
        **extra,
    )


def seed_cell(run_id: str, env_id: str, setting: Setting, seed: int) -> CellRecord:
    collapsed = setting.collapsed[seed]
    evaluations = []
    for step in STEPS:
        fd = checkpoint_fd(setting, seed, step)
        recall = 0.05 if collapsed and step == STEPS[-1] else 0.2 + step / 1000
        evaluations.append(
            TrainingCheckpoint(
                step,
                step * 0.1 + seed,
                [quality("fd", fd), quality("recall", recall), quality("coverage", recall)],
            )
        )
    blocks = [
        TrainingBlock(
            end,
            LOG_EVERY,
            5.0 + seed,
            0,
            {
                "loss/g": (1.0 + seed + end / 100, 2.0 + seed + end / 100),
                "grad_norm/g": (3.0 * (seed + 1), 4.0 * (seed + 1)),
            },
        )
        for end in range(LOG_EVERY, STEPS[-1] + 1, LOG_EVERY)
    ]
    grids = [
        Artifact(
            f"samples-step-{step:06d}.png",
            "image/png",
            sha256_bytes(png := grid_png(seed * 1000 + step + 7 * len(setting.name))),
            png,
            {"seed": seed, "count": 64, "step": step},
        )
        for step in STEPS
    ]
    last = evaluations[-1].measurements
    finals = [
        *last,
        Measurement("train_s", STEPS[-1] * 0.1 + seed, "speed", "s", False),
        Measurement("steps_done", STEPS[-1], "training"),
        Measurement("diverged", 0, "training", higher_is_better=False),
        Measurement("collapsed", collapsed, "training", higher_is_better=False),
    ]
    return CellRecord(
        cell_key=f"k-{setting.name}-{seed}",
        run_id=run_id,
        suite_name=SUITE["name"],
        model_name=setting.name,
        family=setting.family,
        adapter=f"trainer:{setting.trainer}",
        params={"lr": 0.0002, **setting.hyper},
        suite_params={**setting.hyper, "seed": seed},
        weights=None,
        model_fingerprint=f"f-{setting.name}",
        device="cpu",
        env_id=env_id,
        seed=seed,
        num_samples=256,
        batch_size=128,
        status="complete",
        started_at=now(),
        finished_at=now(),
        measurements=finals,
        artifacts=grids,
        training_blocks=blocks,
        training_checkpoints=evaluations,
    )


def stability(metric: str, value: float, low: float, high: float, unit: str = "") -> Measurement:
    return Measurement(
        metric,
        value,
        "stability",
        unit,
        higher_is_better=metric == "target_reached_rate",
        ci_low=low,
        ci_high=high,
        ci_level=0.95,
        n=SEEDS,
        signature={"metric": metric, "quality": "fd", "version": 1},
    )


def stability_cell(
    run_id: str, env_id: str, setting: Setting, overrides: dict[str, float]
) -> CellRecord:
    """The setting's stability cell; ``overrides`` replaces values (metric -> value)."""
    finals = np.asarray(setting.final_fd, dtype=np.float64)
    rate = float(np.mean(setting.collapsed))
    values = {
        "final_fd_median": (float(np.median(finals)), finals.min(), finals.max(), ""),
        "final_fd_std": (float(finals.std(ddof=1)), 0.0, float(np.ptp(finals)), ""),
        "final_fd_iqr": (float(np.subtract(*np.percentile(finals, [75, 25]))), 0.0, 99.0, ""),
        "divergence_rate": (0.0, 0.0, 0.56, ""),
        "collapse_rate": (rate, max(rate - 0.5, 0.0), min(rate + 0.5, 1.0), ""),
        "best_last_gap": (0.0, 0.0, 1.0, ""),
        "target_reached_rate": (1.0, 0.44, 1.0, ""),
        "time_to_target_s": (20.0, 15.0, 25.0, "s"),
    }
    measurements = []
    for metric, (value, low, high, unit) in values.items():
        value = overrides.get(metric, value)
        measurements.append(stability(metric, value, min(low, value), max(high, value), unit))
    return CellRecord(
        cell_key=f"k-stability-{setting.name}-{sorted(overrides.items())}",
        run_id=run_id,
        suite_name=SUITE["name"],
        model_name=setting.name,
        family=setting.family,
        adapter=f"stability:{setting.trainer}",
        params={"lr": 0.0002, **setting.hyper},
        suite_params=dict(setting.hyper),
        weights=None,
        model_fingerprint=f"f-{setting.name}",
        device="cpu",
        env_id=env_id,
        seed=0,
        num_samples=256,
        batch_size=128,
        status="complete",
        started_at=now(),
        finished_at=now(),
        measurements=measurements,
    )


def write_training_run(
    store: Store, overrides: dict[str, dict[str, float]] | None = None, suite: dict | None = None
) -> str:
    """Store the run (seed cells, then one stability cell per setting); its run id.
    ``overrides`` maps a setting's name to stability values that replace the made-up ones."""
    env_id = store.save_environment({"env_id": "e-train", "device": "cpu", "packages": {}})
    run_id = store.start_run("training", "h", "suites/training.yaml", suite or SUITE, env_id, "0")
    position = 0
    for setting in SETTINGS:
        for seed in range(SEEDS):
            store.save_cell(seed_cell(run_id, env_id, setting, seed), position)
            position += 1
    for setting in SETTINGS:
        cell = stability_cell(run_id, env_id, setting, (overrides or {}).get(setting.name, {}))
        store.save_cell(cell, position)
        position += 1
    store.finish_run(run_id, "complete")
    return run_id
