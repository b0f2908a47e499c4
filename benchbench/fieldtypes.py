"""Number types for what a YAML file sets (suites, adapters' params): strict about numbers.

YAML reads ``true`` as a boolean and ``1e3`` as text (YAML 1.1 needs a dot: ``1.0e3``),
and pydantic's lax mode would quietly take ``true`` as 1, ``5.0`` as 5 and ``true`` as
1.0. A count or a seed must be written as a whole number, so ``WholeNumber`` refuses
booleans, floats and text. ``Real`` refuses booleans and non-finite values (``.inf``,
``.nan``) but still reads numeric text, because ``rel: 1e-3`` is how people write it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    return value


WholeNumber = Annotated[int, Strict()]
Real = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]
