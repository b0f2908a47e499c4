"""Output kinds by name: what a suite's models produce decides how the runner feeds,
checks, stores and scores their samples (see ``outputs.base``)."""

from __future__ import annotations

import torch

from benchbench.data import DATASETS
from benchbench.outputs.base import OutputKind
from benchbench.registry import Registry
from benchbench.suite.prompts import Prompt
from benchbench.suite.schema import Suite

OUTPUTS: Registry[type] = Registry("output kind", base=None)
OUTPUTS.register("image", "benchbench.outputs.image:ImageOutput")
OUTPUTS.register("text", "benchbench.outputs.text:TextOutput")
OUTPUTS.register("audio", "benchbench.outputs.audio:AudioOutput")
OUTPUTS.register("video", "benchbench.outputs.video:VideoOutput")


def output_kind(
    suite: Suite, device: torch.device, prompts: list[Prompt] | None = None
) -> OutputKind:
    """The kind of the suite's reference dataset; ``prompts`` condition an image or audio
    suite."""
    kind = DATASETS.get(suite.reference.dataset).output
    return OUTPUTS.get(kind)(suite, device, *([prompts] if prompts is not None else []))
