"""Simulated raters for a stored study: honest ones judge by known cell strengths,
spammers always pick the left sample (or rate everything the same).

An honest rater forms one opinion per pair (or item) and keeps it, so the repeated
pair shows the same choice; planted samples always lose or are rated 1. Raters join
and are assigned tasks exactly as the web server does it.
"""

from __future__ import annotations

import numpy as np

from benchbench.human.design import PLANTED, assign
from benchbench.human.service import sides_shown
from benchbench.human.study import Study
from benchbench.records import now
from benchbench.store.human import Answer, HumanStore
from benchbench.store.runs import Store


def simulate(
    store: Store,
    name: str,
    strength: dict[str, float],
    honest: int,
    spammers: int = 0,
    seed: int = 0,
) -> None:
    """``strength``: cell id → BT strength (A/B) or mean latent rating (rating studies)."""
    humans = HumanStore(store)
    study = Study.model_validate(humans.study(name).spec)
    tasks = humans.tasks(name)
    info = {t.task_id: t for t in tasks.itertuples()}
    cell_of = {i.item_id: i.cell_id for i in humans.items(name).itertuples()}
    pool = [(t.task_id, t.check_kind, t.repeat_of) for t in tasks.itertuples()]
    rng = np.random.default_rng(seed)
    for r in range(honest + spammers):
        rater = f"sim-{seed}-{r}"
        plan = assign(
            pool,
            humans.task_load(name),
            study.tasks_per_rater,
            study.attention.repeats,
            study.attention.planted,
            rng,
        )
        humans.add_rater(name, rater, None, "sim", plan)
        opinion: dict[tuple[str, ...], object] = {}
        for task_id, swapped in plan:
            task = info[task_id]
            sides = sides_shown(task.item_a, task.item_b, swapped)
            answers = []
            for q in study.questions:
                if r >= honest:
                    value = sides[0] if study.task == "ab" else 3
                elif task.check_kind == PLANTED:
                    value = task.item_a if study.task == "ab" else 1
                else:
                    key = (q.id, *sorted(s for s in (task.item_a, task.item_b) if s))
                    if key not in opinion:
                        opinion[key] = _judge(study, rng, strength, cell_of, task)
                    value = opinion[key]
                answers.append(
                    Answer(q.id, choice=value)
                    if study.task == "ab"
                    else Answer(q.id, rating=int(value))
                )
            humans.record_votes(
                name, rater, task_id, answers, {"sides": sides}, None, now(), "sim", seconds=3.0
            )


def _judge(study, rng, strength, cell_of, task) -> object:
    if study.task == "ab":
        a, b = strength[cell_of[task.item_a]], strength[cell_of[task.item_b]]
        return task.item_a if rng.random() < 1 / (1 + np.exp(b - a)) else task.item_b
    latent = strength[cell_of[task.item_a]] + rng.normal(0, 0.7)
    return int(np.clip(np.round(latent), 1, len(study.levels)))
