"""One registry type for everything pluggable: adapters, metrics, extractors, datasets, nets.

Built-ins are registered by name with a lazy ``"module:attr"`` target, so heavy
dependencies (diffusers, transformers) are imported only when a suite uses them.
A user's package adds entries through a Python entry-point group, without touching
benchbench. Unknown names never fall back silently: they raise with a suggestion.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Generic, TypeVar

T = TypeVar("T")

_VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


class RegistryError(Exception):
    """A plug-in could not be registered or loaded."""


class UnknownNameError(RegistryError, LookupError):
    """A name that no registry entry carries; the message says what is close."""

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, known
        self.suggestion = did_you_mean(name, known)
        hint = f" Did you mean {self.suggestion!r}?" if self.suggestion else ""
        listing = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown {kind} {name!r}.{hint} Known {kind}s: {listing}.")


def did_you_mean(name: str, options: list[str]) -> str | None:
    """The closest option to ``name``, if one is close enough to be a likely typo."""
    matches = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def load_target(target: str) -> object:
    """Import ``"package.module:attr"`` (attr may be dotted) and return the object."""
    module_name, sep, attr_path = target.partition(":")
    if not sep or not module_name or not attr_path:
        raise RegistryError(f"{target!r} is not of the form 'package.module:attribute'")
    try:
        obj: object = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # the module's own code runs: it may raise anything
        raise RegistryError(
            f"cannot import module {module_name!r} (from {target!r}): {type(exc).__name__}: {exc}"
        ) from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except Exception as exc:  # AttributeError, or whatever a module __getattr__ raises
            raise RegistryError(f"module {module_name!r} has no attribute {attr_path!r}") from exc
    return obj


class Registry(Generic[T]):
    """Name → object, with lazy import paths, entry points, type checks and suggestions.

    ``base`` is checked when an entry is resolved: a class must subclass it, anything
    else must be an instance of it; it may itself be a lazy ``"module:attr"`` string, so
    a registry can be consulted without importing the code its entries share. Pass
    ``base=None`` for callables.
    """

    def __init__(
        self, kind: str, base: type | str | None = None, entry_point_group: str | None = None
    ):
        self.kind = kind
        self._base = base
        self.entry_point_group = entry_point_group
        self._targets: dict[str, object] = {}
        self._origins: dict[str, str] = {}
        self._declared: dict[str, dict[str, object]] = {}
        self._resolved: dict[str, T] = {}
        self._entry_points_loaded = entry_point_group is None

    @property
    def base(self) -> type | None:
        if isinstance(self._base, str):
            self._base = load_target(self._base)  # type: ignore[assignment]
        return self._base  # type: ignore[return-value]

    def register(
        self, name: str, target: T | str, *, origin: str = "benchbench", **declared: object
    ) -> None:
        """Add ``name``; ``target`` is the object or a lazy ``"module:attr"`` string.
        ``declared`` states attributes of the target that ``attribute`` answers without
        importing it (a test must hold each equal to the target's own)."""
        if not _VALID_NAME.match(name):
            raise RegistryError(
                f"invalid {self.kind} name {name!r}: use lowercase letters, digits, '-', '_', '.'"
            )
        if name in self._targets:
            raise RegistryError(
                f"{self.kind} {name!r} is already registered (by {self._origins[name]}); "
                f"cannot register it again from {origin}"
            )
        self._targets[name] = target
        self._origins[name] = origin
        self._declared[name] = declared

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.entry_point_group):
            if ep.name in self._targets:
                continue  # built-ins win; `origin()` shows which one is active
            dist = ep.dist.name if ep.dist is not None else "unknown distribution"
            self.register(ep.name, ep.value, origin=f"entry point {ep.group} of {dist}")

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._targets)

    def __contains__(self, name: str) -> bool:
        self._load_entry_points()
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def origin(self, name: str) -> str:
        self.get(name)
        return self._origins[name]

    def attribute(self, name: str, attr: str) -> object:
        """``get(name).attr``, from the registration where it was declared (no import)."""
        self._load_entry_points()
        if attr in self._declared.get(name, {}):
            return self._declared[name][attr]
        return getattr(self.get(name), attr)

    def declared(self, name: str) -> dict[str, object]:
        """The attributes registered with ``name`` (empty for entry points)."""
        return dict(self._declared.get(name, {}))

    def get(self, name: str) -> T:
        """Resolve ``name``, importing its module on first use."""
        self._load_entry_points()
        if name in self._resolved:
            return self._resolved[name]
        if name not in self._targets:
            raise UnknownNameError(self.kind, name, list(self._targets))
        target = self._targets[name]
        obj = load_target(target) if isinstance(target, str) else target
        self._check_type(name, obj)
        self._resolved[name] = obj  # type: ignore[assignment]
        return obj  # type: ignore[return-value]

    def _check_type(self, name: str, obj: object) -> None:
        if self.base is None:
            if not callable(obj):
                raise RegistryError(
                    f"{self.kind} {name!r} resolves to {obj!r}, which is not callable"
                )
            return
        ok = issubclass(obj, self.base) if isinstance(obj, type) else isinstance(obj, self.base)
        if not ok:
            raise RegistryError(
                f"{self.kind} {name!r} (from {self._origins[name]}) resolves to {obj!r}, "
                f"which is not a {self.base.__name__}"
            )
