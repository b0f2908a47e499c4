"""From a training suite to its cells: recipe × hyper combination × seed, each with its key,
and one stability cell per setting (recipe × hyper combination) over its seeds.

A training cell's key hashes what the sampling cells' keys share (reference, extractor,
metric versions, bootstrap, device, ...), its sampling, the trainer (name and version),
the full hyper-parameters (defaults filled in, so writing a default changes nothing), the
seed, the budget and intervals, and torch's version (training is not bit-stable across
torch versions). A stability cell's key hashes its seed cells' keys and the ``training``
block's figures (quality metric, collapse thresholds, target) and the statistics' version
(new intervals recompute the figures from the stored seeds); the quality metric and
collapse thresholds are in the training cells' keys too, since each seed's ``best_<q>``,
``diverged`` and ``collapsed`` follow them. Adding a recipe leaves the other cells' keys
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from benchbench.hashing import stable_hash
from benchbench.metrics.stability import VERSION as STABILITY_VERSION
from benchbench.run.plan import evaluation_key_parts
from benchbench.suite.load import LoadedSuite
from benchbench.suite.schema import Resources, SamplingSpec, TrainingRecipe, sweep
from benchbench.trainers import resolve_trainer
from benchbench.trainers.base import Trainer


@dataclass(frozen=True)
class TrainingCellPlan:
    """One recipe, hyper combination and seed: trained, evaluated at checkpoints, stored."""

    position: int
    recipe: TrainingRecipe
    trainer: type[Trainer]
    hyper: dict[str, Any]  # every hyper-parameter, defaults filled in
    suite_params: dict[str, Any]  # the hyper the suite sets, and the seed
    seed: int
    sampling: SamplingSpec
    model_fingerprint: str  # trainer name, version and hyper: what the model is made by
    key: str

    @property
    def label(self) -> str:
        knobs = " ".join(f"{k}={v}" for k, v in self.suite_params.items())
        return f"{self.recipe.name} {knobs}"

    @property
    def resources(self) -> Resources:
        return self.recipe.resources

    @property
    def call_params(self) -> dict[str, Any]:
        """What ``sample`` takes besides the generator: nothing (``batch_caller`` asks)."""
        return {}

    def build(self, device: torch.device) -> Trainer:
        """A fresh trainer for this cell on ``device``."""
        hyper = self.trainer.Hyper.model_validate(self.hyper)
        return self.trainer(hyper, self.seed, device, self.recipe.steps)


@dataclass(frozen=True)
class SettingPlan:
    """A recipe with one hyper combination: its seed cells, summarised by a stability cell
    that the driver builds once they are all stored."""

    position: int
    recipe: TrainingRecipe
    trainer: type[Trainer]
    hyper: dict[str, Any]
    suite_params: dict[str, Any]  # the hyper the suite sets (no seed)
    cells: tuple[TrainingCellPlan, ...]
    key: str

    @property
    def label(self) -> str:
        knobs = " ".join(f"{k}={v}" for k, v in self.suite_params.items())
        return f"{self.recipe.name} {knobs}".strip()


def plan_training(
    loaded: LoadedSuite, device: torch.device
) -> tuple[list[TrainingCellPlan], list[SettingPlan]]:
    """The training cells, in recipe, combination and seed order (positions first), then one
    stability cell per setting (positions after every training cell)."""
    suite = loaded.suite
    training = suite.training
    if training is None:
        raise ValueError(f"suite {suite.name!r} has no `training` block")
    shared = {**evaluation_key_parts(loaded, device), "torch": torch.__version__}
    # a cell's own figures (best, diverged, collapsed) follow the quality metric and thresholds
    judged = training.model_dump(mode="json", include={"quality", "collapse"})
    cells: list[TrainingCellPlan] = []
    grouped: list[tuple[TrainingRecipe, type[Trainer], dict, dict, list[TrainingCellPlan]]] = []
    for recipe in training.recipes:
        trainer = resolve_trainer(recipe.trainer)
        sampling = recipe.sampling or suite.sampling
        for combo in sweep(recipe.hyper):
            hyper = trainer.Hyper.model_validate(combo).model_dump(mode="json")
            fingerprint = stable_hash(
                {"trainer": trainer.name, "version": trainer.version, "hyper": hyper}, length=64
            )
            seeded: list[TrainingCellPlan] = []
            for seed in training.seeds_of(recipe, suite.seed):
                keyed = {
                    **shared,
                    "recipe": recipe.name,
                    "trainer": trainer.name,
                    "trainer_version": trainer.version,
                    "hyper": hyper,
                    "train_seed": seed,
                    "steps": recipe.steps,
                    "checkpoint_every": recipe.checkpoint_every,
                    "log_every": recipe.log_interval,
                    "sampling": sampling.model_dump(),
                    **judged,
                }
                seeded.append(
                    TrainingCellPlan(
                        position=len(cells) + len(seeded),
                        recipe=recipe,
                        trainer=trainer,
                        hyper=hyper,
                        suite_params={**combo, "seed": seed},
                        seed=seed,
                        sampling=sampling,
                        model_fingerprint=fingerprint,
                        key=stable_hash(keyed, length=32),
                    )
                )
            cells.extend(seeded)
            grouped.append((recipe, trainer, hyper, combo, seeded))
    figures = training.model_dump(mode="json", include={"quality", "collapse", "target"})
    settings = [
        SettingPlan(
            position=len(cells) + i,
            recipe=recipe,
            trainer=trainer,
            hyper=hyper,
            suite_params=combo,
            cells=tuple(seeded),
            key=stable_hash(
                {"seeds": [c.key for c in seeded], "statistics": STABILITY_VERSION, **figures},
                length=32,
            ),
        )
        for i, (recipe, trainer, hyper, combo, seeded) in enumerate(grouped)
    ]
    return cells, settings
