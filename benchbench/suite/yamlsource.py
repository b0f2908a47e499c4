"""YAML loading that remembers where every value came from (file and line).

Validation errors point at ``suites/image.yaml:14`` instead of a bare field name:
the loader walks PyYAML's node tree and records the line of every mapping key and
sequence item under its path, e.g. ``("models", 0, "params", "steps") -> 14``.

A suite may come from anyone, so the loader takes plain data only and bounds its
cost before building anything: UTF-8 text of at most ``MAX_BYTES``; nesting at most
``MAX_DEPTH`` deep; at most ``MAX_NODES`` values once aliases are expanded (a
kilobyte of nested aliases, the "billion laughs", would otherwise expand to billions);
no recursive aliases, merge keys (``<<``), tags other than YAML's plain types, or keys
that are lists or mappings. Each refusal is a ``YamlSyntaxError`` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

MAX_BYTES = 1 << 20  # a suite is a page of text; the largest shipped one is about 3 KB
MAX_DEPTH = 32  # a suite nests about 5 deep (models[0].params.steps[1])
MAX_NODES = 100_000  # values after alias expansion

_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = {
    yaml.MappingNode: {_CORE + "map"},
    yaml.SequenceNode: {_CORE + "seq"},
    yaml.ScalarNode: {_CORE + kind for kind in ("str", "int", "float", "bool", "null")},
}


class YamlSyntaxError(ValueError):
    """The file cannot be read as plain YAML data; says which file, which line and why."""

    def __init__(self, path: Path, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


class _Refused(Exception):
    """A problem at a line of the file; ``load_yaml`` adds the file name."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line, self.message = line, message


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
    """Read ``path`` as plain YAML data (``None`` for an empty file) with the line of every
    value, or raise ``YamlSyntaxError``."""
    path = Path(path)
    try:
        text = _read_text(path)
        node = _compose(text)
        lines: dict[Path_, int] = {}
        if node is None:
            return YamlSource(path, None, lines)
        _check_expansion(node, {}, set(), 0)
        data = _to_python(node, (), lines, yaml.SafeLoader(""))
    except _Refused as exc:
        raise YamlSyntaxError(path, exc.line, exc.message) from None
    return YamlSource(path, data, lines)


def _read_text(path: Path) -> str:
    """The file as text: a regular file of at most ``MAX_BYTES`` bytes of UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _Refused(None, f"the file is {size:,} bytes; a YAML file here is at most 1 MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise _Refused(None, f"cannot read the file: {exc.strerror or exc}") from None
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise _Refused(line, "binary data (a NUL byte), not YAML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _Refused(
            line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None


def _compose(text: str) -> yaml.Node | None:
    """PyYAML's node graph of ``text``, after checking its nesting depth on the event stream
    (PyYAML composes recursively, so a very deep document would overflow Python's stack)."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Refused(_line(event), f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise _Refused(line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text[: exc.position].count("\n") + 1
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise _Refused(line, f"invalid YAML: {exc.reason} (character {shown})") from None
    except yaml.YAMLError as exc:
        raise _Refused(None, f"invalid YAML: {exc}") from None


def _line(item: yaml.Node | yaml.Event) -> int:
    """The 1-based line of a node or an event."""
    return item.start_mark.line + 1


def _check_expansion(
    node: yaml.Node, seen: dict[int, tuple[int, int]], open_: set[int], depth: int
) -> tuple[int, int]:
    """``(values, height)`` of ``node`` once aliases are expanded: how many values it stands
    for and how many collections deep it nests. ``seen`` memoises shared (anchored) nodes,
    so this costs one visit per node in the file. Refuses recursive aliases, expansions
    nested deeper than ``MAX_DEPTH`` and more than ``MAX_NODES`` values."""
    key = id(node)
    if key in open_:
        raise _Refused(_line(node), "recursive alias: an anchored value contains itself")
    if key not in seen:
        open_.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        below = [_check_expansion(child, seen, open_, depth + 1) for child in children]
        open_.discard(key)
        size = 1 + sum(values for values, _ in below)
        if size > MAX_NODES:
            raise _Refused(
                _line(node),
                f"this value holds more than {MAX_NODES:,} values once aliases are expanded; "
                "a suite needs far fewer (an alias bomb?)",
            )
        nested = isinstance(node, yaml.CollectionNode) + max((h for _, h in below), default=0)
        seen[key] = (size, nested)
    if depth + seen[key][1] > MAX_DEPTH:
        raise _Refused(_line(node), f"aliases nest this value more than {MAX_DEPTH} levels deep")
    return seen[key]


def _to_python(
    node: yaml.Node, loc: Path_, lines: dict[Path_, int], loader: yaml.SafeLoader
) -> Any:
    lines.setdefault(loc, _line(node))
    _check_tag(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node, loader)
            if key in result:
                raise _Refused(_line(key_node), f"key {key!r} appears twice in one mapping")
            child = (*loc, key)
            lines[child] = _line(key_node)
            result[key] = _to_python(value_node, child, lines, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*loc, i), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def _check_tag(node: yaml.Node) -> None:
    """Plain data only: explicit tags (``!!python/object``, ``!foo``, ``!!set``) would ask
    for objects a suite never holds, and a merge key would hide where values come from."""
    if node.tag in _PLAIN_TAGS[type(node)]:
        return
    if node.tag == _CORE + "merge":
        message = "merge keys (<<) are not supported; write the keys out"
    elif node.tag == _CORE + "timestamp":
        message = f"{node.value!r} reads as a date; quote it if it is text"
    elif node.tag == _CORE + "value":
        message = f"{node.value!r} is YAML's value key; quote it if it is text"
    else:
        message = (
            f"YAML tag {node.tag.removeprefix(_CORE)!r} is not allowed; a suite holds plain "
            "values (text, numbers, true/false, lists and mappings)"
        )
    raise _Refused(_line(node), message)


def _key(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    """A mapping key: a plain value (a name or a number), never a list or a mapping."""
    if not isinstance(node, yaml.ScalarNode):
        kind = "mapping" if isinstance(node, yaml.MappingNode) else "list"
        raise _Refused(_line(node), f"a {kind} cannot be a key; keys are names or numbers")
    _check_tag(node)
    return loader.construct_object(node)
