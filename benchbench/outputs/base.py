"""The contract between the runner and an output kind (images, text, ...).

A suite compares models against one reference dataset, and the dataset's ``output``
("image", "text") picks an ``OutputKind``: what each sampling call is given besides
its params (text models get the prompts of the batch), how a batch is checked and
collected, which artifacts are stored, which extra speed figures are measured
(tokens/s and time to first token for text), and which ``Evaluator`` scores the
samples. The runner stays the same for every family.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from benchbench.measure.timing import Timer
from benchbench.outputs.image_batches import OutputError
from benchbench.records import Artifact, Measurement


class Evaluator(Protocol):
    def evaluate(self, samples: Any, adapter: Any = None, model_fingerprint: str = "") -> list:
        """Every metric on ``samples``; ``adapter`` made them, and ``model_fingerprint`` (its
        weights' identity) lets work that depends on the model alone be reused across cells."""
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

    def collect(self, kept: list[Any], n: int, adapter: Any, who: str) -> Any:
        """The cell's ``n`` samples from the kept batches; what they need from the model
        that made them (an audio model's sample rate) is read from ``adapter``."""
        ...

    def artifacts(self, samples: Any, seed: int) -> list[Artifact]: ...

    def speed_measurements(
        self,
        adapter: Any,
        params: dict[str, Any],
        timer: Timer,
        samples_per_s: Measurement,
        samples: Any,
    ) -> list[Measurement]:
        """Speed figures beyond samples/s and latency (measured after the steady calls)."""
        ...


def scaled_rate(
    samples_per_s: Measurement, name: str, scale: float, unit: str, **signature: Any
) -> Measurement:
    """``samples_per_s`` times a fixed amount per sample (new tokens, seconds of audio),
    with the same interval and N; ``signature`` adds what the amount depends on."""
    return Measurement(
        name,
        samples_per_s.value * scale,
        "speed",
        unit,
        higher_is_better=True,
        ci_low=None if samples_per_s.ci_low is None else samples_per_s.ci_low * scale,
        ci_high=None if samples_per_s.ci_high is None else samples_per_s.ci_high * scale,
        ci_level=samples_per_s.ci_level,
        n=samples_per_s.n,
        signature={**(samples_per_s.signature or {}), **signature},
    )


def declared_rate(adapter: Any, attribute: str, model: str, unit: str, who: str) -> int:
    """The rate ``adapter`` declares as ``attribute`` (an audio model's ``sample_rate`` in
    Hz, a video model's ``frame_rate`` in frames per second): a positive whole number, or
    an ``OutputError`` naming ``who``."""
    rate = getattr(adapter, attribute, None)
    if isinstance(rate, bool) or not isinstance(rate, int | np.integer) or rate <= 0:
        raise OutputError(
            f"{who} declares {attribute} {rate!r}; {model} must set `{attribute}` "
            f"to a positive whole number of {unit}"
        )
    return int(rate)
