"""Resumable trainers by name: the zoo's recipes one step at a time (see ``base``)."""

from __future__ import annotations

from benchbench.registry import Registry, RegistryError, load_target
from benchbench.trainers.base import Trainer

TRAINERS: Registry[type[Trainer]] = Registry(
    "trainer", base=Trainer, entry_point_group="benchbench.trainers"
)


def resolve_trainer(name: str) -> type[Trainer]:
    """A registered trainer name, or ``package.module:Class`` naming a Trainer subclass (as
    suites name their own adapters)."""
    if ":" not in name:
        return TRAINERS.get(name)
    obj = load_target(name)
    if isinstance(obj, type) and issubclass(obj, Trainer):
        return obj
    raise RegistryError(f"{name} is not a Trainer subclass")
