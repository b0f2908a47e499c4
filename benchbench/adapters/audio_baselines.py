"""The two ends of an audio leaderboard, as models: real clips and white noise.

``replay`` plays clips of an audio dataset drawn at random (by default the train split,
held out from a suite's test-split reference): what a perfect generator would score, the
ceiling. Asked for classes (a conditional suite), it plays a clip of each class asked
for. ``noise`` is Gaussian white noise at a given RMS level, clipped to [-1, 1]: the
floor. Neither has weights; a replay cell is keyed by the data code that makes its clips.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import torch
from pydantic import Field

import benchbench.data
from benchbench.adapters.base import Adapter, NoParams, class_labels
from benchbench.data import DATASETS
from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.hashing import sha256_tree


class ReplayParams(NoParams):
    dataset: str = Field(default="spoken-digits", description="the audio dataset played")
    split: Literal["train", "test", "all"] = Field(
        default="train", description="its split (keep it apart from the reference's)"
    )


class ReplayAdapter(Adapter):
    """Real clips as a model's samples (see the module docstring)."""

    family = "baseline"
    output = "audio"
    Params = ReplayParams
    requires_weights = False
    load_params = ("dataset", "split")

    def __init__(self, device: torch.device, dataset: str, split: str):
        super().__init__(device)
        self.dataset = dataset
        self.split = split

    @classmethod
    def load(
        cls,
        weights: Path | None,
        device: torch.device,
        dataset: str = "spoken-digits",
        split: str = "train",
    ) -> ReplayAdapter:
        if DATASETS.get(dataset).output != cls.output:
            raise ValueError(
                f"replay plays {cls.output}; dataset {dataset!r} does not hold {cls.output}"
            )
        return cls(device, dataset, split)

    @classmethod
    def model_fingerprint(cls, weights: Path | None) -> str:
        """The data package's code: the clips are synthesised or read by it."""
        return sha256_tree(Path(benchbench.data.__file__).parent)

    @cached_property
    def clips(self):  # an ``AudioSet``, loaded on the first call (timed as the cold start)
        return DATASETS.get(self.dataset)().load(self.split)

    @property
    def sample_rate(self) -> int:
        return self.clips.sample_rate

    @property
    def played(self) -> torch.Tensor:
        """The clips ``sample`` draws from, one row per clip."""
        return self.clips.waveforms

    def sample(
        self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``n`` clips drawn without repeats (a class's clips drawn with repeats when
        ``labels`` ask for classes)."""
        count = len(self.played)
        draw = torch.rand(n, generator=generator, device=generator.device).cpu()
        if labels is None:
            order = torch.randperm(count, generator=generator, device=generator.device).cpu()
            index = order[:n] if n <= count else (draw * count).long()
        else:
            classes = self.clips.labels
            wanted = class_labels(labels, n, int(classes.max()) + 1, torch.device("cpu"))
            members = [torch.nonzero(classes == c).flatten() for c in wanted.tolist()]
            index = torch.stack(
                [m[int(u * len(m))] for m, u in zip(members, draw.tolist(), strict=True)]
            )
        return self.played[index].to(self.device)


class NoiseParams(NoParams):
    level: Real = Field(default=0.1, gt=0, le=1, description="RMS of the noise before clipping")
    sample_rate: WholeNumber = Field(default=SAMPLE_RATE, gt=0, description="declared rate, Hz")
    samples: WholeNumber = Field(
        default=CLIP_SAMPLES, gt=0, le=10_000_000, description="clip length, in samples"
    )


class NoiseAdapter(Adapter):
    """White noise as a model's samples (see the module docstring)."""

    family = "baseline"
    output = "audio"
    Params = NoiseParams
    requires_weights = False
    load_params = ("sample_rate",)

    def __init__(self, device: torch.device, sample_rate: int):
        super().__init__(device)
        self.sample_rate = sample_rate

    @classmethod
    def load(
        cls, weights: Path | None, device: torch.device, sample_rate: int = SAMPLE_RATE
    ) -> NoiseAdapter:
        return cls(device, sample_rate)

    def sample(
        self, n: int, generator: torch.Generator, level: float = 0.1, samples: int = CLIP_SAMPLES
    ) -> torch.Tensor:
        noise = torch.randn(n, 1, samples, generator=generator, device=generator.device)
        return (noise * level).clamp(-1.0, 1.0).to(self.device)
