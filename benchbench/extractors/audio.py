"""Audio feature extractors: the networks that audio metrics compare waveforms in.

An audio extractor wants mono waveforms at its own ``sample_rate`` and at least
``window_samples`` long (the shortest clip it can embed). ``extract`` mixes channels
down by their mean, and resamples other rates with a named resampler
(``scipy.signal.resample_poly``, recorded as ``"resample_poly"``), so a metric's
signature says how the audio reached the network. An extractor that sets ``resampler``
to None takes its own rate only. A clip shorter than the window, a rate that cannot be
handled, or samples that are not finite are a ``ValueError`` that says which.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from benchbench.data.audio_files import RESAMPLER, resample
from benchbench.extractors.base import FeatureExtractor


class AudioFeatureExtractor(FeatureExtractor):
    sample_rate: ClassVar[int]
    window_samples: ClassVar[int]
    resampler: ClassVar[str | None] = RESAMPLER
    embeds = "audio"
    channels = 1

    def identity(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "weights_sha256": self.weights_sha256,
            "sample_rate": self.sample_rate,
            "window": self.window_samples,
            "resampler": self.resampler,
        }

    def prepare(self, waveforms: torch.Tensor, sample_rate: int) -> torch.Tensor:
        """Mono ``[N, 1, samples]`` float32 at the extractor's rate, checked for length."""
        if waveforms.ndim != 3:
            raise ValueError(
                f"{self.name} takes waveforms [N, channels, samples], got shape "
                f"{tuple(waveforms.shape)}"
            )
        if not torch.isfinite(waveforms).all():
            raise ValueError(f"{self.name}: the waveforms hold NaN or infinite samples")
        mono = waveforms.float().mean(dim=1, keepdim=True)
        if sample_rate != self.sample_rate:
            if self.resampler is None:
                raise ValueError(
                    f"{self.name} takes {self.sample_rate} Hz audio only (no resampler), "
                    f"got {sample_rate} Hz"
                )
            mono = resample(mono, sample_rate, self.sample_rate)
        if mono.shape[-1] < self.window_samples:
            given = (
                ""
                if sample_rate == self.sample_rate
                else f" ({waveforms.shape[-1]} at {sample_rate} Hz)"
            )
            raise ValueError(
                f"{self.name} needs clips of at least {self.window_samples} samples "
                f"({self.window_samples / self.sample_rate:.3f} s at {self.sample_rate} Hz); "
                f"got {mono.shape[-1]} samples at that rate{given}"
            )
        return mono.to(self.device)

    @torch.inference_mode()
    def extract(  # type: ignore[override]
        self, waveforms: torch.Tensor, sample_rate: int, batch_size: int = 256
    ) -> dict[str, torch.Tensor]:
        """Every output (float32, on the CPU, one row per clip) of waveforms in [-1, 1],
        ``[N, channels, samples]`` at ``sample_rate`` Hz."""
        mono = self.prepare(waveforms, sample_rate)
        chunks = [self._extract(mono[i : i + batch_size]) for i in range(0, len(mono), batch_size)]
        return {key: torch.cat([c[key].float().cpu() for c in chunks]) for key in self.outputs}

    def __call__(  # type: ignore[override]
        self, waveforms: torch.Tensor, sample_rate: int, batch_size: int = 256
    ) -> torch.Tensor:
        """Features ``[N, feature_dim]`` (float32, on the CPU) of waveforms at ``sample_rate``."""
        return self.extract(waveforms, sample_rate, batch_size)["features"]
