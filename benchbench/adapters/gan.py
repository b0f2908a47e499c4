"""GAN family: a generator network mapping a Gaussian latent to an image in one pass.

A class-conditional generator (one with ``num_classes``, called as ``net(z, labels)``)
draws the ``labels`` it is given, or uniformly drawn classes without them; an
unconditional one ignores labels.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from pydantic import Field

from benchbench.adapters.base import (
    CheckpointAdapter,
    DType,
    NoParams,
    dtype_field,
    given_or_drawn_labels,
)
from benchbench.fieldtypes import Real


class GANParams(NoParams):
    truncation: Real | None = Field(
        default=None,
        gt=0,
        description="truncation trick: latent entries with |z| above this are redrawn "
        "(trades diversity for fidelity); null draws from the full normal",
    )
    dtype: DType = dtype_field()


class GANAdapter(CheckpointAdapter):
    """A benchbench checkpoint of a generator with a ``z_dim`` attribute, whose outputs are
    clamped to ``value_range`` (images: [0, 1])."""

    family = "gan"
    Params = GANParams
    load_params = ("dtype",)
    value_range: ClassVar[tuple[float, float]] = (0.0, 1.0)

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        truncation: float | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        z = torch.randn(n, self.net.z_dim, generator=generator, device=self.device)
        if truncation is not None:
            z = truncated_normal_(z, truncation, generator)
        z = z.to(self.dtype)
        classes = getattr(self.net, "num_classes", None)
        if classes is None:
            return self.net(z).clamp(*self.value_range)
        labels = given_or_drawn_labels(labels, n, classes, generator, self.device)
        return self.net(z, labels).clamp(*self.value_range)


def truncated_normal_(z: torch.Tensor, bound: float, generator: torch.Generator) -> torch.Tensor:
    """Redraw entries of a standard-normal ``z`` until all lie within ±``bound`` (in place)."""
    outside = z.abs() > bound
    while outside.any():
        fresh = torch.randn(z.shape, generator=generator, device=z.device)
        z = torch.where(outside, fresh, z)
        outside = z.abs() > bound
    return z
