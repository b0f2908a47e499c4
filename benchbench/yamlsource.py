"""YAML loading that remembers where every value came from (file and line).

Validation errors point at ``suites/image.yaml:14`` instead of a bare field name:
the loader walks PyYAML's node tree and records the line of every mapping key and
sequence item under its path, e.g. ``("models", 0, "params", "steps") -> 14``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class YamlSyntaxError(ValueError):
    """The file is not valid YAML; the message names the file and line."""


@dataclass(frozen=True)
class YamlSource:
    """Parsed YAML data plus the line (1-based) of each path in it."""

    path: Path
    data: Any
    lines: dict[Path_, int]

    def line_of(self, loc: Path_) -> int | None:
        """Line of ``loc`` or of its nearest ancestor that the file spells out."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def load_yaml(path: str | Path) -> YamlSource:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSyntaxError(f"{where}: invalid YAML: {problem}") from exc
    lines: dict[Path_, int] = {}
    try:
        data = _to_python(node, (), lines) if node is not None else None
    except YamlSyntaxError as exc:
        raise YamlSyntaxError(f"{path}: {exc}") from None
    return YamlSource(path, data, lines)


def _to_python(node: yaml.Node, loc: Path_, lines: dict[Path_, int]) -> Any:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in result:
                raise YamlSyntaxError(
                    f"line {key_node.start_mark.line + 1}: key {key!r} appears twice in one mapping"
                )
            child = (*loc, key)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, child, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*loc, i), lines) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Construct a scalar (or nested key) exactly as ``yaml.safe_load`` would type it."""
    return yaml.SafeLoader("").construct_object(node, deep=True)
