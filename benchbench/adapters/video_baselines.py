"""The video leaderboard's reference points, as models: real clips, two temporal
corruptions of them, and noise.

``video-replay`` plays held-out clips of a video dataset (by default the train split
of moving-digits, apart from a suite's test-split reference): the ceiling. It is the
audio ``replay`` with videos (drawing, classes and fingerprint are shared).
``video-frozen`` plays each replayed clip's first frame for the whole clip: every frame
is a real frame, and nothing moves. ``video-shuffled`` plays each replayed clip with its
frames in a random order (seeded by the sampling generator): the same frames, broken
time. A metric that sees motion scores both clearly worse than replay; a per-frame
metric cannot tell them from it. ``video-noise`` is uniform noise pixels: the floor.
"""

from __future__ import annotations

from pathlib import Path

import torch
from pydantic import Field

from benchbench.adapters.audio_baselines import ReplayAdapter, ReplayParams
from benchbench.adapters.base import Adapter, NoParams
from benchbench.data.moving_digits import FRAME_RATE, FRAMES, SIZE
from benchbench.fieldtypes import WholeNumber


class VideoReplayParams(ReplayParams):
    dataset: str = Field(default="moving-digits", description="the video dataset played")


class VideoReplayAdapter(ReplayAdapter):
    """Real clips as a model's samples (see the module docstring)."""

    output = "video"
    Params = VideoReplayParams

    @classmethod
    def load(
        cls,
        weights: Path | None,
        device: torch.device,
        dataset: str = "moving-digits",
        split: str = "train",
    ) -> VideoReplayAdapter:
        return super().load(weights, device, dataset, split)  # type: ignore[return-value]

    @property
    def frame_rate(self) -> int:
        return self.clips.frame_rate

    @property
    def played(self) -> torch.Tensor:
        return self.clips.videos


class FrozenAdapter(VideoReplayAdapter):
    """Replayed clips whose first frame is held for every frame: no motion."""

    def sample(
        self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        videos = super().sample(n, generator, labels)
        return videos[:, :1].expand_as(videos).contiguous()


class ShuffledAdapter(VideoReplayAdapter):
    """Replayed clips with each clip's frames in a random order: broken time."""

    def sample(
        self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        videos = super().sample(n, generator, labels)
        draws = torch.rand(n, videos.shape[1], generator=generator, device=generator.device)
        order = draws.cpu().argsort(dim=1).to(videos.device)
        return videos[torch.arange(n, device=videos.device)[:, None], order]


class VideoNoiseParams(NoParams):
    frame_rate: WholeNumber = Field(default=FRAME_RATE, gt=0, le=1000, description="declared fps")
    frames: WholeNumber = Field(default=FRAMES, gt=0, le=1024, description="frames per clip")
    size: WholeNumber = Field(default=SIZE, gt=0, le=1024, description="frame height and width")


class VideoNoiseAdapter(Adapter):
    """Uniform noise pixels in [0, 1], one channel, as a model's clips: the floor."""

    family = "baseline"
    output = "video"
    Params = VideoNoiseParams
    requires_weights = False
    load_params = ("frame_rate",)

    def __init__(self, device: torch.device, frame_rate: int):
        super().__init__(device)
        self.frame_rate = frame_rate

    @classmethod
    def load(
        cls, weights: Path | None, device: torch.device, frame_rate: int = FRAME_RATE
    ) -> VideoNoiseAdapter:
        return cls(device, frame_rate)

    def sample(
        self, n: int, generator: torch.Generator, frames: int = FRAMES, size: int = SIZE
    ) -> torch.Tensor:
        noise = torch.rand(n, frames, 1, size, size, generator=generator, device=generator.device)
        return noise.to(self.device)
