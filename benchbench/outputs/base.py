"""What a suite's models produce, and everything the runner does that depends on it.

A suite compares models against one reference dataset, and the dataset's ``output``
("image", "text") picks an ``OutputKind``: what each sampling call is given besides
its params (text models get the prompts of the batch), how a batch is checked and
collected, which artifacts are stored, which extra speed figures are measured
(tokens/s and time to first token for text), and which evaluator scores the
samples. The runner stays the same for every family; kinds are found by name in
``OUTPUTS``.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from benchbench.measure.timing import Timer
from benchbench.records import Artifact, Measurement
from benchbench.registry import Registry
from benchbench.suite.prompts import Prompt, prompts_for
from benchbench.suite.schema import Suite

GRID_SIZE = 64


class Evaluator(Protocol):
    def evaluate(self, samples: Any, adapter: Any = None, model_key: str = "") -> list:
        """Every metric on ``samples``; ``adapter`` made them, ``model_key`` (the cell's model
        fingerprint) lets work that depends on the model alone be reused across cells."""
        ...

    def prepare(self) -> None:
        """Compute now what every cell shares (reference features), so that copies sent to
        other processes carry it instead of each computing it again."""
        ...


class OutputKind(Protocol):
    """The per-output half of the runner (see the module docstring)."""

    def evaluator(self) -> Evaluator: ...

    def batch_inputs(self, index: int, batch_size: int) -> dict[str, Any]:
        """Extra keyword arguments of ``sample`` for steady batch ``index`` (< 0: warm-up)."""
        ...

    def check(self, batch: Any, n: int, who: str) -> Any:
        """The batch as kept (validated, on the CPU); a wrong batch raises naming ``who``."""
        ...

    def collect(self, kept: list[Any], n: int) -> Any: ...

    def artifacts(self, samples: Any, seed: int) -> list[Artifact]: ...

    def speed_measurements(
        self, adapter: Any, params: dict[str, Any], timer: Timer, samples_per_s: Measurement
    ) -> list[Measurement]:
        """Speed figures beyond samples/s and latency (measured after the steady calls)."""
        ...


class ImageOutput:
    """Image batches: float tensors in [0, 1], NCHW; a PNG grid and the arrays are stored.

    With prompts, sample i of the cell is asked for prompt i mod the number of prompts:
    models that take ``labels`` get each sample's class, models that take ``prompts`` its
    prompt text (warm-up calls, index < 0, those of the first batch), and metrics get each
    sample's prompt as its ``conditions``.
    """

    def __init__(self, suite: Suite, device: torch.device, prompts: list[Prompt] | None = None):
        self.suite = suite
        self.device = device
        self.prompts = prompts

    def evaluator(self) -> Evaluator:
        from benchbench.outputs.image import QualityEvaluator

        return QualityEvaluator(self.suite, self.device, prompts=self.prompts)

    def batch_inputs(self, index: int, batch_size: int) -> dict[str, Any]:
        if self.prompts is None:
            return {}
        batch = prompts_for(self.prompts, max(index, 0) * batch_size, batch_size)
        return {
            "labels": torch.tensor([p.label for p in batch], dtype=torch.long),
            "prompts": [p.text for p in batch],
        }

    def check(self, batch: Any, n: int, who: str) -> torch.Tensor:
        from benchbench.outputs.image_batches import check_image_batch

        return check_image_batch(batch, n, who).detach().float().cpu()

    def collect(self, kept: list[torch.Tensor], n: int) -> torch.Tensor:
        return torch.cat(kept)[:n]

    def artifacts(self, samples: torch.Tensor, seed: int) -> list[Artifact]:
        from benchbench.hashing import sha256_bytes
        from benchbench.outputs.image_batches import npz_bytes, png_grid

        grid = png_grid(samples[:GRID_SIZE])
        arrays = npz_bytes(samples)
        meta = {"seed": seed, "count": len(samples)}
        return [
            Artifact(
                "samples.png",
                "image/png",
                sha256_bytes(grid),
                grid,
                {**meta, "count": min(GRID_SIZE, len(samples))},
            ),
            Artifact("samples.npz", "application/x-npz", sha256_bytes(arrays), arrays, meta),
        ]

    def speed_measurements(
        self, adapter: Any, params: dict[str, Any], timer: Timer, samples_per_s: Measurement
    ) -> list[Measurement]:
        return []


OUTPUTS: Registry[type] = Registry("output kind", base=None)
OUTPUTS.register("image", ImageOutput)
OUTPUTS.register("text", "benchbench.outputs.text:TextOutput")


def output_kind(
    suite: Suite, device: torch.device, prompts: list[Prompt] | None = None
) -> OutputKind:
    """The kind of the suite's reference dataset; ``prompts`` condition an image suite."""
    from benchbench.data import DATASETS

    kind = DATASETS.get(suite.reference.dataset).output
    return OUTPUTS.get(kind)(suite, device, *([prompts] if prompts is not None else []))
