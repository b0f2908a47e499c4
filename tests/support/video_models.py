"""Video sampling functions used as ``module:function`` adapters in tests (no zoo weights),
and ``MotionFrames``, a network-free video extractor that sees motion."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from benchbench.extractors.video import VideoFeatureExtractor

RATE = 8
FRAMES = 16
SIZE = 32


def video(frame_rate: object = RATE):
    """Declare a test function a video model at ``frame_rate``."""

    def declare(fn):
        fn.output = "video"
        fn.frame_rate = frame_rate
        fn.family = "test-video"
        return fn

    return declare


@video()
def square(n: int, generator: torch.Generator, frames: int = FRAMES) -> torch.Tensor:
    """A bright 8×8 square sliding right from a random row, one pixel per frame."""
    rows = torch.randint(0, SIZE - 8, (n,), generator=generator, device=generator.device).cpu()
    clips = torch.zeros(n, frames, 1, SIZE, SIZE)
    for i, row in enumerate(rows.tolist()):
        for t in range(frames):
            clips[i, t, 0, row : row + 8, t : t + 8] = 1.0
    return clips


@video()
def with_nan(n: int, generator: torch.Generator) -> torch.Tensor:
    clips = square(n, generator)
    clips[0, 3, 0, 1, 1] = float("nan")
    return clips


@video()
def with_inf(n: int, generator: torch.Generator) -> torch.Tensor:
    clips = square(n, generator)
    clips[-1, -1, 0, -1, -1] = float("inf")
    return clips


@video()
def as_255(n: int, generator: torch.Generator) -> torch.Tensor:
    """0..255 pixels as floats, the classic range mistake."""
    return square(n, generator) * 255


@video()
def as_uint8(n: int, generator: torch.Generator) -> torch.Tensor:
    return (square(n, generator) * 255).to(torch.uint8)


@video()
def one_frame_image(n: int, generator: torch.Generator) -> torch.Tensor:
    """Images [n, 1, H, W]: no time axis."""
    return square(n, generator)[:, 0]


@video()
def short(n: int, generator: torch.Generator) -> torch.Tensor:
    """8-frame clips where the reference has 16."""
    return square(n, generator, frames=8)


@video(frame_rate=24)
def at_24fps(n: int, generator: torch.Generator) -> torch.Tensor:
    """The right length, declared at another frame rate."""
    return square(n, generator)


@video(frame_rate=0)
def zero_rate(n: int, generator: torch.Generator) -> torch.Tensor:
    return square(n, generator)


@video(frame_rate=7.5)
def fractional_rate(n: int, generator: torch.Generator) -> torch.Tensor:
    return square(n, generator)


def no_rate(n: int, generator: torch.Generator) -> torch.Tensor:
    return square(n, generator)


no_rate.output = "video"


class MotionFrames(VideoFeatureExtractor):
    """A network-free video extractor on 16-frame, 8 fps, 32×32 clips: a frame's features
    are its 4×4 average-pooled pixels (16 numbers); a clip's are its mean frame features
    and the mean absolute change between consecutive frames (32 numbers), so a still or
    shuffled clip differs from a moving one."""

    name = "test-motion-frames"
    version = "1"
    clip_frames = FRAMES
    frame_rate = RATE
    size = (SIZE, SIZE)
    channels = 1

    @property
    def weights_sha256(self) -> str:
        return "0" * 64

    @property
    def feature_dim(self) -> int:
        return 32

    def _extract_frames(self, frames: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.avg_pool2d(frames, 8).flatten(1)

    def _extract(self, videos: torch.Tensor) -> dict[str, torch.Tensor]:
        per_frame = self._extract_frames(videos.flatten(0, 1)).unflatten(0, videos.shape[:2])
        change = (per_frame[:, 1:] - per_frame[:, :-1]).abs().mean(dim=1)
        return {"features": torch.cat([per_frame.mean(dim=1), change], dim=1)}


@contextmanager
def registered_motion_frames() -> Iterator[str]:
    """``MotionFrames`` registered as an extractor while the block runs (suites name it)."""
    from benchbench.extractors import EXTRACTORS

    EXTRACTORS.register(MotionFrames.name, MotionFrames, origin="tests")
    try:
        yield MotionFrames.name
    finally:
        for table in (EXTRACTORS._targets, EXTRACTORS._origins, EXTRACTORS._declared):
            table.pop(MotionFrames.name, None)
        EXTRACTORS._resolved.pop(MotionFrames.name, None)
