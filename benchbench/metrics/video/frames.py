"""FD-frames: the Fréchet distance between the two sets of *frames*, in the video
extractor's per-frame space (its frame encoder, before any temporal layer).

Every frame of every clip is one row, so the value sees what single frames look like
and nothing of their order: a clip frozen on its first frame or played in a shuffled
order scores like the clips it was made from. Set beside the clip-level FD on the same
extractor, it tells appearance from motion: a model with good frames and broken time
has a low FD-frames and a high FD. It is not content-debiased FVD (Ge et al. 2024),
which uses VideoMAE-v2 clip features.

The frames of one clip are not independent samples, so the interval resamples whole
clips (each clip's frames share one bootstrap weight); N is the number of generated
frames. Labelled ``FD-frames[extractor]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchbench.metrics import MetricInputs, MetricSetupError
from benchbench.metrics.features.fd import FrechetDistance
from benchbench.metrics.stats import RESAMPLING, estimate_with_interval


class FrameFrechetDistance(FrechetDistance):
    """``fd-frames`` (see the module docstring)."""

    name = "fd-frames"
    label_prefix = "FD-frames"
    literature_names = ()
    version = "1"
    inputs = ("reference_frame_features", "frame_features")

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

    def estimate(
        self, prepared: Any, n_real: int, n_fake: int
    ) -> tuple[float, float | None, float | None]:
        """Value and interval, every clip's frames weighted together."""
        per = self.frames_per_clip
        for which, rows in (("reference", n_real), ("generated", n_fake)):
            if rows % per:
                raise ValueError(
                    f"fd-frames: {rows} {which} frame rows are not whole clips of {per} frames"
                )
        return estimate_with_interval(
            lambda wr, wf: self.score(prepared, np.repeat(wr, per), np.repeat(wf, per)),
            (n_real // per, n_fake // per),
            self.bootstrap,
            RESAMPLING[self.resampling],
        )
