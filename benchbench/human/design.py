"""From a study file to stored tasks, and from tasks to one rater's assignment.

Items are stored samples named by opaque ids (a hash with the study's secret), so
nothing a rater sees or sends reveals a model. A/B tasks pair sample k of one cell
with sample k of another — cells of a run share seeds, so sample k has the same seed
(and prompt or class) in every cell. Each real task has a twin with its items in the
other order (the repeated-pair check) and each item a planted, destroyed copy (the
planted-sample check); only the raters' assignments decide which of those are shown.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchbench.hashing import stable_hash
from benchbench.human.samples import SampleError, SampleSet, read_samples
from benchbench.human.study import LoadedStudy, Study, StudyError
from benchbench.store.human import HumanStore, StudyRecord
from benchbench.store.runs import Store

REAL, REPEAT, PLANTED = "", "repeat", "planted"


@dataclass(frozen=True)
class StudyCell:
    cell_id: str
    model: str
    suite_params: dict[str, Any]
    samples: SampleSet


def resolve_run(loaded: LoadedStudy, store: Store) -> str:
    study = loaded.study
    if study.run is not None:
        if store.run(study.run) is None:
            raise StudyError([loaded.problem(("run",), f"no run {study.run!r} in {store.path}")])
        return study.run
    run_id = store.latest_run_id(study.suite)
    if run_id is None:
        raise StudyError([loaded.problem(("suite",), f"no run of suite {study.suite!r}")])
    return run_id


def resolve_cells(loaded: LoadedStudy, store: Store, run_id: str) -> list[StudyCell]:
    """The run's complete cells the study names (all by default), with their samples."""
    humans = HumanStore(store)
    rows = [
        (c.cell_id, c.model_name, c.suite_params)
        for c in store.run_cells(run_id)
        if c.status == "complete"
    ]
    problems = []
    chosen: list[tuple[str, str, dict[str, Any]]] = []
    for i, selector in enumerate(loaded.study.cells or []):
        found = [
            row
            for row in rows
            if row[1] == selector.model
            and all(row[2].get(k) == v for k, v in selector.params.items())
        ]
        if not found:
            problems.append(
                loaded.problem(
                    ("cells", i),
                    f"no complete cell of model {selector.model!r} with params "
                    f"{selector.params} in run {run_id}",
                )
            )
        chosen += [row for row in found if row not in chosen]
    if loaded.study.cells is None:
        chosen = rows
    result = []
    for cell_id, model, suite_params in chosen:
        try:
            samples = read_samples(humans.artifacts(cell_id))
        except SampleError as exc:
            if loaded.study.cells is None:
                continue  # by default, cells without samples are simply not judged
            problems.append(loaded.problem(("cells",), f"{model} {suite_params}: {exc}"))
            continue
        result.append(StudyCell(cell_id, model, suite_params, samples))
    kinds = {c.samples.kind for c in result}
    if len(kinds) > 1:
        problems.append(loaded.problem(("cells",), "cells mix image and text samples"))
    needed = 2 if loaded.study.task == "ab" else 1
    if not problems and len(result) < needed:
        problems.append(
            loaded.problem(
                ("cells",), f"a {loaded.study.task} study needs {needed}+ cells with samples"
            )
        )
    if problems:
        raise StudyError(problems)
    return result


def create_study(loaded: LoadedStudy, store: Store) -> StudyRecord:
    """Store the study, its items and tasks; an existing study of the same name is
    returned if its file is unchanged or changes only ``max_raters`` (a study that ran
    out of raters may admit more), and refused otherwise."""
    humans = HumanStore(store)
    study = loaded.study
    existing = humans.study(study.name)
    if existing is not None:
        stored = Study.model_validate(existing.spec)
        if stored.spec_hash == study.spec_hash:
            return existing
        if stored.model_copy(update={"max_raters": study.max_raters}).spec_hash == study.spec_hash:
            humans.update_spec(study.name, study.model_dump(mode="json"), study.spec_hash)
            return humans.study(study.name)
        raise StudyError(
            [
                loaded.problem(
                    ("name",),
                    f"study {study.name!r} already exists in {store.path} with a different "
                    "definition; give the changed study a new name",
                )
            ]
        )
    run_id = resolve_run(loaded, store)
    cells = resolve_cells(loaded, store, run_id)
    n = min(study.samples_per_cell, *(len(c.samples) for c in cells))
    if study.task == "ab":
        check_shared_prompts(loaded, cells, n)
    secret = secrets.token_hex(32)
    items, tasks = build_pool(secret, [c.cell_id for c in cells], n, study.task)
    record = StudyRecord(
        study=study.name,
        run_id=run_id,
        task=study.task,
        sample_kind=cells[0].samples.kind,
        spec=study.model_dump(mode="json"),
        spec_hash=study.spec_hash,
        token=secrets.token_urlsafe(24),
        secret=secret,
    )
    humans.create_study(record, items, tasks)
    return record


def check_shared_prompts(loaded: LoadedStudy, cells: list[StudyCell], n: int) -> None:
    """An A/B pair is sample k of two cells, shown under one prompt: refuse cells whose
    sample k answered different prompts (runs of different suites or prompt files)."""
    for k in range(n):
        prompts = {
            f"{c.model} {c.suite_params}": c.samples.prompts[k] if c.samples.prompts else None
            for c in cells
        }
        if len(set(prompts.values())) > 1:
            shown = "; ".join(f"{cell}: {prompt!r:.60}" for cell, prompt in prompts.items())
            raise StudyError(
                [
                    loaded.problem(
                        ("cells",),
                        f"sample {k} answers different prompts ({shown}); an A/B pair must "
                        "show both sides the same prompt",
                    )
                ]
            )


def item_id(secret: str, cell_id: str, index: int, planted: bool) -> str:
    return stable_hash([secret, cell_id, index, planted], length=20)


def build_pool(
    secret: str, cell_ids: list[str], n: int, task: str
) -> tuple[list[tuple[str, str, int, bool]], list[tuple[str, str, str, str | None, str | None]]]:
    """Items (id, cell, index, planted) and tasks (id, check, item a, item b, repeat of)."""
    items = [
        (item_id(secret, cell, k, planted), cell, k, planted)
        for cell in cell_ids
        for k in range(n)
        for planted in (False, True)
    ]
    real: list[tuple[str, str | None]] = []
    planted_tasks: list[tuple[str, str | None]] = []
    for cell in cell_ids:
        for k in range(n):
            source = item_id(secret, cell, k, False)
            fake = item_id(secret, cell, k, True)
            planted_tasks.append((source, fake) if task == "ab" else (fake, None))
            if task == "rating":
                real.append((source, None))
    if task == "ab":
        real = [
            (item_id(secret, a, k, False), item_id(secret, b, k, False))
            for a, b in itertools.combinations(cell_ids, 2)
            for k in range(n)
        ]
    tasks = []
    for a, b in real:
        task_id = stable_hash([secret, a, b, REAL], length=20)
        tasks.append((task_id, REAL, a, b, None))
        twin = (b, a) if b is not None else (a, None)
        tasks.append((stable_hash([secret, a, b, REPEAT], length=20), REPEAT, *twin, task_id))
    tasks += [
        (stable_hash([secret, a, b, PLANTED], length=20), PLANTED, a, b, None)
        for a, b in planted_tasks
    ]
    return items, tasks


def assign(
    tasks: list[tuple[str, str, str | None]],
    load: dict[str, int],
    per_rater: int,
    repeats: int,
    planted: int,
    rng: np.random.Generator,
) -> list[tuple[str, bool]]:
    """One rater's tasks in showing order, each with whether its sides are swapped.

    ``tasks`` is (id, check kind, repeat of). Real tasks go to the least-assigned first
    (ties at random) so raters spread over the pool; each repeat follows its original
    later on and keeps its swap flag, so a pair is shown with its sides exchanged.
    """
    real = [t[0] for t in tasks if t[1] == REAL]
    twins = {t[2]: t[0] for t in tasks if t[1] == REPEAT}
    fakes = [t[0] for t in tasks if t[1] == PLANTED]
    tie_break = rng.permutation(len(real))
    order = sorted(range(len(real)), key=lambda i: (load.get(real[i], 0), tie_break[i]))
    chosen = [real[i] for i in order[:per_rater]]
    rng.shuffle(chosen)
    shown: list[tuple[str, bool]] = [(t, bool(rng.integers(2))) for t in chosen]
    for original in rng.choice(chosen, size=min(repeats, len(chosen)), replace=False):
        at = next(i for i, (t, _) in enumerate(shown) if t == original)
        where = int(rng.integers(at + 1, len(shown) + 1))
        shown.insert(where, (twins[str(original)], shown[at][1]))
    for fake in rng.choice(fakes, size=min(planted, len(fakes)), replace=False):
        shown.insert(int(rng.integers(0, len(shown) + 1)), (str(fake), bool(rng.integers(2))))
    return shown
