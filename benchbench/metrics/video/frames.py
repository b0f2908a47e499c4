"""FD-frames: the Fréchet distance between the two sets of *frames*, in the video
extractor's per-frame space (its frame encoder, before any temporal layer).

Every frame of every clip is one row, so the value sees what single frames look like
and nothing of their order: a clip played in a shuffled order scores exactly like the
clips it was made from, and one frozen on its first frame close to them. Set beside the
clip-level FD on the same extractor, it tells appearance from motion: a model with good
frames and broken time has a low FD-frames and a high FD. It is not content-debiased FVD
(Ge et al. 2024), which uses VideoMAE-v2 clip features.

The frames of one clip are not independent samples, so the interval resamples whole
clips (each clip's frames share one bootstrap weight); N is the number of generated
frames. A replicate's moments are sums of per-clip moments (each clip's frame sum and
scatter, computed once), so a resample costs a weighted sum over clips, not a pass over
every frame; where those scatters would not fit in ``MAX_SCATTER_VALUES`` the frames are
weighted one by one instead (same numbers, slower). Labelled ``FD-frames[extractor]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchbench.metrics import MetricInputs, MetricSetupError
from benchbench.metrics.features.fd import (
    FrechetDistance,
    gaussian_frechet_distance,
    weighted_moments,
)
from benchbench.metrics.stats import RESAMPLING, estimate_with_interval

MAX_SCATTER_VALUES = 2**24  # per-clip scatter matrices kept: clips × D² float64 (128 MiB)


@dataclass(frozen=True)
class ClipFrames:
    """One set's frame rows grouped by clip, ready for clip-weighted moments."""

    rows: np.ndarray  # [clips * per, D], clip-major
    per: int
    offset: np.ndarray  # the set's mean row: rows are centred on it for the sums below
    sums: np.ndarray | None  # [clips, D] per-clip sums of centred rows
    scatters: np.ndarray | None  # [clips, D * D] per-clip sums of their outer products

    @classmethod
    def of(cls, rows: np.ndarray, per: int) -> ClipFrames:
        clips, dim = len(rows) // per, rows.shape[1]
        offset = rows.mean(axis=0)
        if clips * dim * dim > MAX_SCATTER_VALUES:
            return cls(rows, per, offset, None, None)
        centred = (rows - offset).reshape(clips, per, dim)
        scatters = np.einsum("cfi,cfj->cij", centred, centred).reshape(clips, dim * dim)
        return cls(rows, per, offset, centred.sum(axis=1), scatters)

    def moments(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and unbiased covariance of the frames, each clip counted ``weights[c]``
        times (as ``weighted_moments`` with every frame of clip c weighted so)."""
        if self.scatters is None:
            return weighted_moments(self.rows, np.repeat(weights, self.per))
        total = weights.sum() * self.per
        shift = weights @ self.sums / total
        dim = len(shift)  # a plain matrix product: np.tensordot is several times slower here
        scatter = (weights @ self.scatters).reshape(dim, dim) - total * np.outer(shift, shift)
        return self.offset + shift, scatter / (total - 1.0)


class FrameFrechetDistance(FrechetDistance):
    """``fd-frames`` (see the module docstring)."""

    name = "fd-frames"
    label_prefix = "FD-frames"
    literature_names = ()
    version = "1"
    inputs = ("reference_frame_features", "frame_features")
    bounds = (0.0, math.inf)  # a squared distance: an interval reaching below 0 is cut there

    @property
    def frames_per_clip(self) -> int:
        """How many consecutive rows make one clip: the extractor's clip length."""
        frames = self.features.get("clip_frames")
        if not isinstance(frames, int) or frames < 1:
            raise MetricSetupError(
                f"fd-frames needs a video extractor that records its clip length "
                f"(clip_frames); {self.features.get('name')!r} records {frames!r}"
            )
        return frames

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("reference_frame_features"), real=True)
        self.update(inputs.get("frame_features"), real=False)

    def hparams(self) -> dict[str, Any]:
        return {"rows": "frames", "resampled": "clips", "frames_per_clip": self.frames_per_clip}

    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        per = self.frames_per_clip
        for which, rows in (("reference", len(real)), ("generated", len(fake))):
            if rows % per:
                raise ValueError(
                    f"fd-frames: {rows} {which} frame rows are not whole clips of {per} frames"
                )
        return ClipFrames.of(real, per), ClipFrames.of(fake, per)

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        """FD with each *clip* counted ``weight`` times."""
        real, fake = prepared
        return gaussian_frechet_distance(*real.moments(real_weights), *fake.moments(fake_weights))

    def estimate(
        self, prepared: Any, n_real: int, n_fake: int
    ) -> tuple[float, float | None, float | None]:
        """Value and interval over resampled clips."""
        per = self.frames_per_clip
        return estimate_with_interval(
            lambda wr, wf: self.score(prepared, wr, wf),
            (n_real // per, n_fake // per),
            self.bootstrap,
            RESAMPLING[self.resampling],
        )
