"""Video feature extractors: the networks that video metrics compare clips in.

A video extractor embeds clips of exactly ``clip_frames`` frames recorded at its
``frame_rate`` (None: any rate), frames of ``size`` (H, W) with its ``channels``. Callers
always pass videos float32 in [0, 1], ``[N, frames, channels, H, W]``; ``prepare`` maps
them to the ``input_range`` the *network* wants and resizes frames with the named
``resize`` rule, so a metric's signature says how the clips reached the network.

Nothing is resampled in time: FVD implementations disagree exactly there (clip length,
frame stride, frame rate), so another length or rate is a ``ValueError`` that says what
was given and what the extractor takes. So are a wrong shape, NaN or infinite values,
and values outside [0, 1] (0..255 pixels, or a generator's [-1, 1]).

Besides clip vectors (``extract``, ``__call__``), an extractor may embed single frames
(``extract_frames``) for per-frame metrics: the Fréchet distance between the two sets of
frames, which is blind to motion by construction.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from benchbench.extractors.base import FeatureExtractor, resize_images


class VideoFeatureExtractor(FeatureExtractor):
    clip_frames: ClassVar[int]
    frame_rate: ClassVar[int | None]
    size: ClassVar[tuple[int, int]]
    input_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    embeds = "video"

    def identity(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "weights_sha256": self.weights_sha256,
            "clip_frames": self.clip_frames,
            "frame_rate": self.frame_rate,
            "size": list(self.size),
            "resize": self.resize,
            "input_range": list(self.input_range),
        }

    @classmethod
    def provides(cls) -> frozenset[str]:
        """Its outputs, and ``frame_features`` where it has a per-frame space."""
        per_frame = cls._extract_frames is not VideoFeatureExtractor._extract_frames
        return super().provides() | ({"frame_features"} if per_frame else set())

    def _extract_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Per-frame features ``[B, D']`` of prepared frames ``[B, channels, H, W]``;
        extractors without a per-frame space (I3D) keep this refusal."""
        raise ValueError(f"{self.name} embeds whole clips only; it has no per-frame features")

    def check(self, videos: torch.Tensor) -> None:
        """Shape ``[N, frames, channels, H, W]``, finite values in [0, 1], else a
        ``ValueError`` that says which and how to fix it."""
        if videos.ndim != 5:
            raise ValueError(
                f"{self.name} takes videos [N, frames, channels, H, W], got shape "
                f"{tuple(videos.shape)}"
            )
        if videos.numel() == 0:
            raise ValueError(f"{self.name}: no videos to embed (shape {tuple(videos.shape)})")
        if not videos.is_floating_point():
            raise ValueError(
                f"{self.name} takes float videos in [0, 1], got {videos.dtype}; "
                f"divide 0..255 pixels by 255"
            )
        if not torch.isfinite(videos).all():
            raise ValueError(f"{self.name}: the videos hold NaN or infinite values")
        low, high = videos.min().item(), videos.max().item()
        if high > 1.0:
            raise ValueError(
                f"{self.name} takes videos in [0, 1], got values up to {high:g}; "
                f"0..255 pixels must be divided by 255"
            )
        if low < 0.0:
            raise ValueError(
                f"{self.name} takes videos in [0, 1], got values down to {low:g}; "
                f"map [-1, 1] output to [0, 1] with (x + 1) / 2"
            )

    def check_clips(self, videos: torch.Tensor, frame_rate: int) -> None:
        """``check``, plus the clip length and the frame rate: nothing is resampled in time."""
        self.check(videos)
        if isinstance(frame_rate, bool) or not isinstance(frame_rate, int) or frame_rate <= 0:
            raise ValueError(
                f"{self.name}: a frame rate is a positive whole number, got {frame_rate!r}"
            )
        if videos.shape[1] != self.clip_frames:
            raise ValueError(
                f"{self.name} embeds clips of exactly {self.clip_frames} frames, got "
                f"{videos.shape[1]}; clips are not cut or resampled in time, so generate or "
                f"select {self.clip_frames}-frame clips"
            )
        if self.frame_rate is not None and frame_rate != self.frame_rate:
            raise ValueError(
                f"{self.name} was trained on clips at {self.frame_rate} fps, got {frame_rate} "
                f"fps; frames are not resampled in time, so the motion would be wrong"
            )

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Frames ``[B, channels, H, W]`` in [0, 1] → the network's channels, size and range."""
        frames = self.match_channels(frames.to(self.device, torch.float32))
        frames = resize_images(frames, self.size)
        low, high = self.input_range
        return low + (high - low) * frames

    def prepare(self, videos: torch.Tensor, frame_rate: int) -> torch.Tensor:
        """Checked clips ``[N, clip_frames, channels, *size]`` in ``input_range``, on the device."""
        self.check_clips(videos, frame_rate)
        return self._prepare_clips(videos)

    def _prepare_clips(self, videos: torch.Tensor) -> torch.Tensor:
        """``prepare_frames`` on every frame of checked clips, keeping the clip axes."""
        return self.prepare_frames(videos.flatten(0, 1)).unflatten(0, videos.shape[:2])

    @torch.inference_mode()
    def extract(  # type: ignore[override]
        self, videos: torch.Tensor, frame_rate: int, batch_size: int = 64
    ) -> dict[str, torch.Tensor]:
        """Every output (float32, on the CPU, one row per clip) of videos in [0, 1],
        ``[N, frames, channels, H, W]`` at ``frame_rate`` frames per second."""
        self.check_clips(videos, frame_rate)
        chunks = [
            self._extract(self._prepare_clips(videos[i : i + batch_size]))
            for i in range(0, len(videos), batch_size)
        ]
        return {key: torch.cat([c[key].float().cpu() for c in chunks]) for key in self.outputs}

    @torch.inference_mode()
    def extract_frames(self, videos: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        """Per-frame features ``[N * frames, D']`` (float32, on the CPU, clip by clip, frame
        by frame) of videos in [0, 1] of any length and rate: single frames carry no time."""
        self.check(videos)
        frames = videos.flatten(0, 1)
        chunks = [
            self._extract_frames(self.prepare_frames(frames[i : i + batch_size])).float().cpu()
            for i in range(0, len(frames), batch_size)
        ]
        return torch.cat(chunks)

    def __call__(  # type: ignore[override]
        self, videos: torch.Tensor, frame_rate: int, batch_size: int = 64
    ) -> torch.Tensor:
        """Clip features ``[N, feature_dim]`` (float32, on the CPU) of videos at ``frame_rate``."""
        return self.extract(videos, frame_rate, batch_size)["features"]
