"""A user's own sampling function as a model: ``adapter: mypackage.module:sample_fn``.

The function takes ``(n, generator, **params)`` and returns ``n`` images in [0, 1],
NCHW — or, with ``fn.output = "audio"`` and ``fn.sample_rate`` (Hz) set on it, ``n``
clips in [-1, 1], shape [n, 1, samples]; with ``fn.output = "video"`` and ``fn.frame_rate``
(frames per second), ``n`` clips in [0, 1], shape [n, frames, channels, H, W]. Its
keyword parameters become the adapter's declared parameters (types from the annotations,
defaults from the signature), so a suite's params are checked against them like any
built-in adapter's. A parameter named ``labels`` is not a param: in a conditional suite it
receives the class each sample is asked for.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, PydanticUserError, create_model

from benchbench.adapters.base import Adapter
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.hashing import sha256_file, stable_hash

SampleFn = Callable[..., torch.Tensor]


# Keyword arguments a run supplies rather than a suite's params (``ImageOutput.batch_inputs``):
# the classes and the prompt texts a conditional suite asks each sample for.
INPUTS = ("labels", "prompts")
# What a sampling function may declare as attributes of itself (``fn.family = "gan"``).
DECLARED = ("family", "output", "sample_rate", "frame_rate")
# Annotated ``int`` and ``float`` parameters are read as strictly as the suite's own numbers.
STRICT_NUMBERS: dict[Any, Any] = {int: WholeNumber, float: Real}


class CallableAdapter(Adapter):
    """Base of the adapter classes made by ``adapter_for_callable``."""

    family = "custom"
    requires_weights = False
    target: str = ""

    @staticmethod
    def fn(n: int, generator: torch.Generator, **params: Any) -> torch.Tensor:
        raise NotImplementedError

    @classmethod
    def load(cls, weights: Path | None, device: torch.device) -> CallableAdapter:
        return cls(device)

    @classmethod
    def model_fingerprint(cls, weights: Path | None) -> str:
        """The function's name and its source file's content: editing the code changes it."""
        source = inspect.getsourcefile(cls.fn)
        return stable_hash([cls.target, sha256_file(source) if source else "no-source"], length=64)

    def sample(self, n: int, generator: torch.Generator, **params: Any) -> torch.Tensor:
        return type(self).fn(n, generator, **params)

    def accepts(self, name: str) -> bool:
        return name in inspect.signature(type(self).fn).parameters


def adapter_for_callable(fn: SampleFn, target: str) -> type[CallableAdapter]:
    """An adapter class around ``fn``; its ``family``, ``output`` and (audio)
    ``sample_rate`` or (video) ``frame_rate`` come from the function's attributes of those
    names, if set."""
    declared = {name: getattr(fn, name) for name in DECLARED if hasattr(fn, name)}
    return type(
        f"CallableAdapter[{target}]",
        (CallableAdapter,),
        {
            "fn": staticmethod(fn),
            "target": target,
            **declared,
            "Params": params_model(fn, target),
        },
    )


def params_model(fn: SampleFn, target: str) -> type[BaseModel]:
    """A strict pydantic model of ``fn``'s parameters after ``(n, generator)``; ``TypeError``
    when the signature cannot be read (a builtin) or its annotations cannot be checked."""
    try:
        signature = inspect.signature(fn, eval_str=True)
    except Exception as exc:  # builtins have none; evaluating annotations runs user code
        raise TypeError(
            f"{target}: cannot read its signature ({type(exc).__name__}: {exc}); a sampling "
            f"function is a Python function taking (n, generator, **params)"
        ) from None
    positional = list(signature.parameters.values())[:2]
    if len(positional) < 2 or any(p.kind is p.KEYWORD_ONLY for p in positional):
        raise TypeError(
            f"{target} must accept (n, generator, **params); its signature is {signature}"
        )
    fields: dict[str, Any] = {}
    for param in list(signature.parameters.values())[2:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.name in INPUTS:
            continue
        annotation = Any if param.annotation is param.empty else param.annotation
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (STRICT_NUMBERS.get(annotation, annotation), default)
    try:
        return create_model(
            f"Params[{target}]", __config__=ConfigDict(extra="forbid", frozen=True), **fields
        )
    except PydanticUserError as exc:
        raise TypeError(f"{target}: its parameters' annotations cannot be checked: {exc}") from None
