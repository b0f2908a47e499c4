"""Neural network architectures of the embedded zoo, by name (see ``benchbench.checkpoint``)."""

from __future__ import annotations

from torch import nn

from benchbench.registry import Registry

NETS: Registry[type[nn.Module]] = Registry("net", base=nn.Module, entry_point_group="benchbench.nets")
