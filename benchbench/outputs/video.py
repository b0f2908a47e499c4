"""The video side of the runner: clip batches in, the feature metrics of one cell's clips
(whole clips and single frames) against a reference set of clips out.

A batch is float32 clips in [0, 1], shape [n, frames, channels, H, W]; the model that made
it declares its ``frame_rate`` (frames per second), which travels with the clips. Nothing
is resampled in time: the suite's extractor embeds clips of its own length and rate only,
and a cell whose clips differ in length or rate from the reference's fails with both
stated (FVD implementations disagree exactly there). Speed adds frames/s: samples/s
(videos/s) times the clip's frame count, with the same interval.

Stored per cell: every clip (``samples.npz``, uint8), an animated GIF of the first clips
in a grid (``preview.gif``, Pillow, no FFmpeg) and a PNG strip of the first clips' frames,
one clip per row (``frames.png``). Feeding, conditioning and the metric set-up are the
image side's; only what a clip is differs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from benchbench.data import VideoSet
from benchbench.extractors.video import VideoFeatureExtractor
from benchbench.hashing import sha256_bytes
from benchbench.measure.timing import Timer
from benchbench.metrics import MetricResult, MetricSetupError, compute_all
from benchbench.outputs.base import declared_rate, scaled_rate
from benchbench.outputs.image import EvaluationInputs, ImageEvaluator, ImageOutput
from benchbench.outputs.image_batches import OutputError, check_pixels, png_grid, to_uint8
from benchbench.records import Artifact, Measurement

PREVIEW_CLIPS = 16  # clips in a cell's animated preview grid
PREVIEW_ROW = 4
STRIP_CLIPS = 8  # clips in a cell's frame strip, one per row
STRIP_SCALE = 2  # nearest-neighbour upscaling of the strip, so small frames are visible


@dataclass(frozen=True)
class VideoSamples:
    """A cell's clips and the rate they were made at."""

    videos: torch.Tensor  # float32 in [0, 1], [n, frames, channels, H, W], on the CPU
    frame_rate: int

    @property
    def frames(self) -> int:
        """Frames per clip."""
        return self.videos.shape[1]


def check_video_batch(batch: object, n: int, who: str) -> torch.Tensor:
    """``batch`` if it is ``n`` finite float clips in [0, 1], [n, frames, 1 or 3, H, W];
    else a clear error."""
    if not isinstance(batch, torch.Tensor):
        raise OutputError(f"{who} returned {type(batch).__name__}, expected a torch.Tensor")
    shape = tuple(batch.shape)
    if len(shape) != 5 or shape[0] != n or shape[2] not in (1, 3) or 0 in shape:
        raise OutputError(
            f"{who} returned shape {shape}, expected [{n}, frames, 1 or 3, H, W] (clips)"
        )
    return check_pixels(batch, who)


def frame_rate_of(adapter: Any, who: str) -> int:
    """The frame rate ``adapter`` declares (a positive integer); else a clear error."""
    return declared_rate(adapter, "frame_rate", "a video model", "frames per second", who)


def frame_grids(videos: torch.Tensor, nrow: int) -> torch.Tensor:
    """One grid image per frame index of ``videos`` ([n, frames, C, H, W] → [frames, 3, H', W'])."""
    return torch.stack(
        [
            make_grid(videos[:, t].float(), nrow=nrow, padding=1, pad_value=0.5)
            for t in range(videos.shape[1])
        ]
    )


def animated_gif(frames: torch.Tensor, frame_rate: int, scale: int = 1) -> bytes:
    """An endlessly looping GIF of ``frames`` ([frames, 1 or 3, H, W] in [0, 1]) at
    ``frame_rate``, upscaled ``scale`` times (nearest neighbour). GIF delays are whole
    hundredths of a second (8 fps plays at 120 ms a frame); identical consecutive frames
    are merged by Pillow into one shown for their summed time, so a clip's duration is
    kept. Grey frames stay grey. A cell's 4×4 preview at scale 1 is about 70 kB."""
    pixels = to_uint8(frames)
    mode = "L" if frames.shape[1] == 1 or bool((frames == frames[:, :1]).all()) else "RGB"
    pictures = [
        Image.fromarray(p[0] if mode == "L" else p.transpose(1, 2, 0), mode).resize(
            (p.shape[2] * scale, p.shape[1] * scale), Image.NEAREST
        )
        for p in pixels
    ]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=round(1000 / frame_rate),
        loop=0,
    )
    return buffer.getvalue()


def npz_bytes(samples: VideoSamples) -> bytes:
    """Every clip as uint8 (key ``videos``, [n, frames, C, H, W]) with its ``frame_rate``,
    compressed, for later re-scoring and for human studies."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, videos=to_uint8(samples.videos), frame_rate=np.int64(samples.frame_rate)
    )
    return buffer.getvalue()


class VideoOutput(ImageOutput):
    """Clip batches; an animated preview, a frame strip and every clip are stored.

    Prompts condition video as they condition images: a model that takes ``labels`` is
    asked for the class of each sample's prompt (see ``ImageOutput``).
    """

    def evaluator(self) -> VideoEvaluator:
        return VideoEvaluator(self.suite, self.device, prompts=self.prompts)

    def check(self, batch: Any, n: int, who: str) -> torch.Tensor:
        return check_video_batch(batch, n, who).detach().float().cpu()

    def collect(self, kept: list[torch.Tensor], n: int, adapter: Any, who: str) -> VideoSamples:
        rate = frame_rate_of(adapter, who)
        lengths = {tuple(batch.shape[1:]) for batch in kept}
        if len(lengths) > 1:
            raise OutputError(
                f"{who} returned clips of different shapes across batches "
                f"({', '.join(map(str, sorted(lengths)))}); a model's clips share one shape"
            )
        return VideoSamples(torch.cat(kept)[:n], rate)

    def artifacts(self, samples: VideoSamples, seed: int) -> list[Artifact]:
        videos, rate = samples.videos, samples.frame_rate
        meta = {"seed": seed, "frame_rate": rate, "frames": samples.frames}
        preview = animated_gif(frame_grids(videos[:PREVIEW_CLIPS], PREVIEW_ROW), rate)
        strip = png_grid(videos[:STRIP_CLIPS].flatten(0, 1), nrow=samples.frames, scale=STRIP_SCALE)
        everything = npz_bytes(samples)
        return [
            Artifact(
                "preview.gif",
                "image/gif",
                sha256_bytes(preview),
                preview,
                {**meta, "count": min(PREVIEW_CLIPS, len(videos))},
            ),
            Artifact(
                "frames.png",
                "image/png",
                sha256_bytes(strip),
                strip,
                {**meta, "count": min(STRIP_CLIPS, len(videos))},
            ),
            Artifact(
                "samples.npz",
                "application/x-npz",
                sha256_bytes(everything),
                everything,
                {**meta, "count": len(videos)},
            ),
        ]

    def speed_measurements(
        self,
        adapter: Any,
        params: dict[str, Any],
        timer: Timer,
        samples_per_s: Measurement,
        samples: VideoSamples,
    ) -> list[Measurement]:
        """Frames/s: frames made per wall second (samples/s counts whole clips)."""
        frames = scaled_rate(
            samples_per_s,
            "frames_per_s",
            samples.frames,
            "frames/s",
            clip_frames=samples.frames,
            frame_rate=samples.frame_rate,
        )
        return [frames]


class VideoInputs(EvaluationInputs):
    """The ``MetricInputs`` of one video evaluation: each input computed once, on request."""

    output = "video"

    def __init__(self, evaluator: VideoEvaluator, samples: VideoSamples, adapter: Any = None):
        super().__init__(evaluator, samples.videos, adapter)
        self.samples = samples

    def _outputs(self) -> dict[str, torch.Tensor]:
        if "outputs" not in self._values:
            extractor = self.evaluator.extractor
            self._values["outputs"] = extractor.extract(
                self.samples.videos, self.samples.frame_rate
            )
        return self._values["outputs"]

    def _videos(self) -> torch.Tensor:
        return self.samples.videos

    def _frame_features(self) -> torch.Tensor:
        return self.evaluator.extractor.extract_frames(self.samples.videos)

    def _reference_videos(self) -> torch.Tensor:
        return self.evaluator.reference.videos

    def _reference_frame_features(self) -> torch.Tensor:
        return self.evaluator.reference_frame_features


class VideoEvaluator(ImageEvaluator):
    """Scores a cell's clips with a list of metrics against one reference set of clips
    (``VideoSet``); the reference's clip and frame features are cached by content (rate
    included)."""

    @cached_property
    def extractor(self) -> VideoFeatureExtractor:
        extractor = super().extractor
        if not isinstance(extractor, VideoFeatureExtractor):
            raise MetricSetupError(
                f"extractor {self.features_name!r} does not embed videos; use a video "
                f"extractor such as moving-digits-cnn (bench list extractors)"
            )
        return extractor

    @cached_property
    def reference(self) -> VideoSet:
        return self._load_reference()  # type: ignore[return-value]

    @cached_property
    def reference_outputs(self) -> dict[str, torch.Tensor]:
        reference = self.reference  # its content hash covers its rate
        return self.cache.extract(
            reference.content_hash,
            self.extractor,
            reference.videos,
            frame_rate=reference.frame_rate,
        )

    @cached_property
    def reference_frame_features(self) -> torch.Tensor:
        reference, extractor = self.reference, self.extractor
        stored = self.cache.computed(
            reference.content_hash,
            extractor,
            ("frame_features",),
            lambda: {"frame_features": extractor.extract_frames(reference.videos)},
        )
        return stored["frame_features"]

    def prepare(self) -> None:
        """Also the reference's frame features, when a metric will ask for them."""
        super().prepare()
        if any("reference_frame_features" in cls.inputs for cls in self.metric_classes):
            _ = self.reference_frame_features

    def evaluate(
        self, samples: VideoSamples, adapter: Any = None, model_fingerprint: str = ""
    ) -> list[MetricResult]:
        """Every metric on a cell's clips; ``adapter`` made them (the fingerprint is unused).
        Clips of another length or rate than the reference's are an error saying both."""
        if not self.metric_classes:
            return []
        self.check_like_reference(samples)
        return compute_all(self.metric_classes, self.setup, VideoInputs(self, samples, adapter))

    def check_like_reference(self, samples: VideoSamples) -> None:
        """The clips have the reference's frame count and frame rate (see the module
        docstring); else a ``ValueError`` stating both."""
        reference = self.reference
        made = (samples.frames, samples.frame_rate)
        wanted = (reference.videos.shape[1], reference.frame_rate)
        if made != wanted:
            raise ValueError(
                f"the clips are {made[0]} frames at {made[1]} fps, but the reference "
                f"{reference.identity} is {wanted[0]} frames at {wanted[1]} fps; video "
                f"metrics compare clips of one length and rate, and nothing is cut or "
                f"resampled in time: make {wanted[0]}-frame clips at {wanted[1]} fps"
            )
