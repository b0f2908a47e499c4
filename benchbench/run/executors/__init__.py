"""Executors by name: where a run's cells are measured (this process, or a Ray cluster)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from benchbench.registry import Registry, RegistryError
from benchbench.run.executors.base import Executor

EXECUTORS: Registry[type[Executor]] = Registry(
    "executor", base=Executor, entry_point_group="benchbench.executors"
)
EXECUTORS.register("local", "benchbench.run.executors.local:LocalExecutor")
EXECUTORS.register("ray", "benchbench.run.executors.ray_executor:RayExecutor")


def make_executor(name: str, options: dict[str, Any]) -> Executor:
    """The executor ``name`` with ``options`` checked against its declared ``Options``."""
    cls = EXECUTORS.get(name)
    try:
        return cls(cls.Options.model_validate(options))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        allowed = ", ".join(cls.Options.model_fields) or "none"
        raise RegistryError(f"executor {name!r}: {problems} (its options: {allowed})") from None
