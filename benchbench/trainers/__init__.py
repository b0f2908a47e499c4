"""Resumable trainers by name: the zoo's recipes one step at a time (see ``base``)."""

from __future__ import annotations

from benchbench.registry import Registry
from benchbench.trainers.base import Trainer

TRAINERS: Registry[type[Trainer]] = Registry(
    "trainer", base=Trainer, entry_point_group="benchbench.trainers"
)
