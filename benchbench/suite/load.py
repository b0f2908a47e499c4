"""Reading a suite file: YAML with line numbers, the schema, then the checks — every
problem reported together, each as ``file:line: field: message``.

Validation has two passes. Pydantic checks shape, types and bounds (unknown keys, wrong
types, missing fields); then ``suite.checks`` holds names against the registries,
finds weights on disk and validates every sweep combination against its adapter's
declared ``Params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from benchbench.hashing import stable_hash
from benchbench.suite.checks import suite_problems
from benchbench.suite.problems import Problem, SuiteError, pydantic_problems
from benchbench.suite.prompts import Prompt, load_prompts
from benchbench.suite.schema import Suite
from benchbench.suite.yamlsource import YamlSource, YamlSyntaxError, load_yaml


@dataclass(frozen=True)
class LoadedSuite:
    """A validated suite and where it came from."""

    suite: Suite
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def suite_hash(self) -> str:
        return stable_hash(self.suite.model_dump(mode="json"))

    def prompts(self) -> list[Prompt] | None:
        """The prompts each sample is asked for, in order (None: an unconditional suite)."""
        return self._prompts

    @cached_property
    def _prompts(self) -> list[Prompt] | None:  # read once: the plan and the runner both ask
        if self.suite.prompts is None:
            return None
        return load_prompts(self.base_dir / self.suite.prompts)


def load_suite(path: str | Path) -> LoadedSuite:
    """Read, validate and return a suite, or raise ``SuiteError`` listing every problem."""
    path = Path(path)
    source = _read_source(path)
    try:
        suite = Suite.model_validate(source.data)
    except ValidationError as exc:
        raise SuiteError(pydantic_problems(exc, source, Suite)) from None
    problems = suite_problems(suite, source)
    if problems:
        raise SuiteError(problems)
    return LoadedSuite(suite, path)


def _read_source(path: Path) -> YamlSource:
    """The suite file's YAML, which must be a mapping; anything else is a ``SuiteError``."""
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.yaml"))[:3]
        hint = f" (it holds {', '.join(found)})" if found else ""
        raise SuiteError([Problem(path, None, (), f"is a directory, not a suite file{hint}")])
    if not path.exists():
        raise SuiteError([Problem(path, None, (), "suite file not found")])
    if not path.is_file():
        raise SuiteError([Problem(path, None, (), "not a regular file; a suite is a YAML file")])
    try:
        source = load_yaml(path)
    except YamlSyntaxError as exc:
        raise SuiteError([Problem(path, exc.line, (), exc.message)]) from None
    if source.data is None:
        message = "the file holds no YAML (it is empty or only comments)"
    elif not isinstance(source.data, dict):
        message = f"the file holds a {type(source.data).__name__}"
    else:
        return source
    raise SuiteError(
        [
            Problem(
                path,
                source.line_of(()) or 1,
                (),
                f"{message}; a suite is a YAML mapping (name: ..., models: ...)",
            )
        ]
    )
