"""A suite's problems, each with its file, line and field: how every check reports.

``Problem`` prints as ``file:line: field: message``; ``SuiteError`` carries them all.
Pydantic's errors become problems here, with "did you mean" for unknown fields and the
line the YAML file gives each field.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from benchbench.registry import did_you_mean
from benchbench.suite.schema import Loc
from benchbench.suite.yamlsource import YamlSource


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    loc: Loc
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        field = format_loc(self.loc)
        return f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"


class SuiteError(ValueError):
    """Everything wrong with a suite file, one problem per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid suite:\n" + "\n".join(f"  {p}" for p in problems))


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def pydantic_problems(
    exc: ValidationError, source: YamlSource, model: type[BaseModel]
) -> list[Problem]:
    return [
        problem_from_pydantic(error, source, model, prefix=())
        for error in exc.errors(include_url=False)
    ]


def problem_from_pydantic(
    error: dict[str, Any], source: YamlSource, model: type[BaseModel], prefix: Loc
) -> Problem:
    loc = (*prefix, *error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        allowed = _field_names_at(model, error["loc"][:-1])
        hint = did_you_mean(name, allowed)
        message = f"unknown field {name!r}" + (f"; did you mean {hint!r}?" if hint else "")
        message += f" (allowed: {', '.join(allowed)})" if allowed else ""
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "int_type" and isinstance(error.get("input"), bool | float):
        message = f"a whole number is expected (got {error['input']!r})"
    else:
        given = error.get("input")
        message = (
            f"{error['msg']} (got {given!r})"
            if not isinstance(given, dict | list)
            else error["msg"]
        )
    return Problem(source.path, source.line_of(loc), loc, message)


def _field_names_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names of the (nested) model found at ``loc``, for "did you mean"."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else Any
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            annotation = field.annotation if field else Any
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation
