"""The audio side of the runner: waveform batches in, the feature metrics of one cell's
clips against a reference set of clips out.

A batch is float32 waveforms in [-1, 1], shape [n, 1, samples]; the model that made it
declares its ``sample_rate`` (Hz), which travels with the clips. Nothing is resampled
here: the suite's extractor embeds clips of any rate it can handle, resampling them with
its named resampler (recorded in its identity, hence in every signature), and says
clearly which rates it cannot. Speed adds the real-time factor: seconds of audio made
per wall second, samples/s times the clip's duration, with the same interval.

Feeding, conditioning (a suite's prompts give each sample its class) and the metric
set-up are the image side's; only what an audio clip is differs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import torch
from scipy.io import wavfile

from benchbench.extractors.audio import AudioFeatureExtractor
from benchbench.hashing import sha256_bytes
from benchbench.measure.timing import Timer
from benchbench.metrics import MetricResult, MetricSetupError, compute_all
from benchbench.outputs.base import declared_rate, scaled_rate
from benchbench.outputs.image import EvaluationInputs, ImageEvaluator, ImageOutput
from benchbench.outputs.image_batches import OutputError, png_grid
from benchbench.records import Artifact, Measurement

WAV_FILES = 4  # clips stored as WAV files (the report plays them)
SPECTROGRAMS = 16  # clips in a cell's spectrogram grid
N_FFT, HOP = 128, 32  # the grid's STFT: 65 frequency bins, 16 ms windows at 8 kHz
FLOOR_DB = -80.0  # the grid's darkest level, relative to a full-scale sine
_TOLERANCE = 1e-4


@dataclass(frozen=True)
class AudioSamples:
    """A cell's clips and the rate they were made at."""

    waveforms: torch.Tensor  # float32 in [-1, 1], [n, 1, samples], on the CPU
    sample_rate: int

    @property
    def seconds(self) -> float:
        """The duration of one clip."""
        return self.waveforms.shape[-1] / self.sample_rate


def check_audio_batch(batch: object, n: int, who: str) -> torch.Tensor:
    """``batch`` if it is ``n`` finite mono float waveforms in [-1, 1]; else a clear error."""
    if not isinstance(batch, torch.Tensor):
        raise OutputError(f"{who} returned {type(batch).__name__}, expected a torch.Tensor")
    if batch.ndim != 3 or batch.shape[0] != n or batch.shape[1] != 1 or batch.shape[2] < 1:
        raise OutputError(
            f"{who} returned shape {tuple(batch.shape)}, expected [{n}, 1, samples] (mono clips)"
        )
    if not batch.is_floating_point():
        raise OutputError(f"{who} returned dtype {batch.dtype}, expected floating point in [-1, 1]")
    if not torch.isfinite(batch).all():
        raise OutputError(f"{who} returned NaN or infinite audio samples")
    low, high = float(batch.min()), float(batch.max())
    if low < -1 - _TOLERANCE or high > 1 + _TOLERANCE:
        raise OutputError(f"{who} returned audio in [{low:.3g}, {high:.3g}], expected [-1, 1]")
    return batch


def sample_rate_of(adapter: Any, who: str) -> int:
    """The rate ``adapter`` declares (a positive integer, in Hz); else a clear error."""
    return declared_rate(adapter, "sample_rate", "an audio model", "Hz", who)


def spectrograms(waveforms: torch.Tensor) -> torch.Tensor:
    """Log-magnitude spectrograms in [0, 1] (``FLOOR_DB`` … 0 dB), low frequencies at the
    bottom, as greyscale images [n, 1, frequencies, frames]."""
    window = torch.hann_window(N_FFT)
    spectrum = torch.stft(
        waveforms[:, 0].float(), N_FFT, HOP, window=window, center=True, return_complex=True
    )
    magnitude = spectrum.abs() / window.sum() * 2  # a full-scale sine reads 1 (0 dB)
    decibels = 20 * torch.log10(magnitude.clamp_min(1e-12))
    images = (decibels.clamp(FLOOR_DB, 0) - FLOOR_DB) / -FLOOR_DB
    return images.flip(1).unsqueeze(1)


class AudioOutput(ImageOutput):
    """Waveform batches; WAV files, a spectrogram grid and every clip are stored.

    Prompts condition audio as they condition images: a model that takes ``labels`` is
    asked for the class of each sample's prompt (see ``ImageOutput``).
    """

    def evaluator(self) -> AudioEvaluator:
        return AudioEvaluator(self.suite, self.device, prompts=self.prompts)

    def check(self, batch: Any, n: int, who: str) -> torch.Tensor:
        return check_audio_batch(batch, n, who).detach().float().cpu()

    def collect(self, kept: list[torch.Tensor], n: int, adapter: Any, who: str) -> AudioSamples:
        return AudioSamples(torch.cat(kept)[:n], sample_rate_of(adapter, who))

    def artifacts(self, samples: AudioSamples, seed: int) -> list[Artifact]:
        meta = {"seed": seed, "sample_rate": samples.sample_rate, "seconds": samples.seconds}
        grid = png_grid(spectrograms(samples.waveforms[:SPECTROGRAMS]), nrow=4, scale=1)
        everything = npz_bytes(samples)
        clips = pcm16(samples.waveforms[:WAV_FILES])
        wavs = [wav_bytes(clip, samples.sample_rate) for clip in clips]
        files = [
            Artifact(f"sample-{i}.wav", "audio/wav", sha256_bytes(wav), wav, {**meta, "count": 1})
            for i, wav in enumerate(wavs)
        ]
        return [
            *files,
            Artifact(
                "spectrograms.png",
                "image/png",
                sha256_bytes(grid),
                grid,
                {**meta, "count": min(SPECTROGRAMS, len(samples.waveforms))},
            ),
            Artifact(
                "samples.npz",
                "application/x-npz",
                sha256_bytes(everything),
                everything,
                {**meta, "count": len(samples.waveforms)},
            ),
        ]

    def speed_measurements(
        self,
        adapter: Any,
        params: dict[str, Any],
        timer: Timer,
        samples_per_s: Measurement,
        samples: AudioSamples,
    ) -> list[Measurement]:
        """The real-time factor: seconds of audio per wall second (above 1: faster than
        playback)."""
        seconds = samples.seconds
        factor = scaled_rate(
            samples_per_s,
            "real_time_factor",
            seconds,
            "audio s/s",
            clip_seconds=seconds,
            sample_rate=samples.sample_rate,
        )
        return [factor]


def pcm16(waveforms: torch.Tensor) -> np.ndarray:
    """Waveforms in [-1, 1] as 16-bit PCM, the shape kept: x · 32768, clipped to the int16
    range, the scale WAV readers divide by (``data.audio_files``)."""
    return (waveforms.double() * 32768).round().clamp(-32768, 32767).to(torch.int16).numpy()


def wav_bytes(pcm: np.ndarray, sample_rate: int) -> bytes:
    """A mono 16-bit PCM WAV file of one clip (int16, any shape holding one channel)."""
    buffer = io.BytesIO()
    wavfile.write(buffer, sample_rate, np.ascontiguousarray(pcm, dtype=np.int16).reshape(-1))
    return buffer.getvalue()


def npz_bytes(samples: AudioSamples) -> bytes:
    """Every clip as 16-bit PCM (key ``waveforms``, [n, 1, samples]) with its ``sample_rate``,
    compressed, for later re-scoring."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, waveforms=pcm16(samples.waveforms), sample_rate=np.int64(samples.sample_rate)
    )
    return buffer.getvalue()


class AudioInputs(EvaluationInputs):
    """The ``MetricInputs`` of one audio evaluation: each input computed once, on request."""

    output = "audio"

    def __init__(self, evaluator: AudioEvaluator, samples: AudioSamples, adapter: Any = None):
        super().__init__(evaluator, samples.waveforms, adapter)
        self.samples = samples

    def _outputs(self) -> dict[str, torch.Tensor]:
        if "outputs" not in self._values:
            extractor = self.evaluator.extractor
            self._values["outputs"] = extractor.extract(
                self.samples.waveforms, self.samples.sample_rate
            )
        return self._values["outputs"]

    def _waveforms(self) -> torch.Tensor:
        return self.samples.waveforms

    def _reference_waveforms(self) -> torch.Tensor:
        return self.evaluator.reference.waveforms


class AudioEvaluator(ImageEvaluator):
    """Scores a cell's clips with a list of metrics against one reference set of clips
    (``AudioSet``); the reference's features are cached by content (rate included)."""

    @cached_property
    def extractor(self) -> AudioFeatureExtractor:
        extractor = super().extractor
        if not isinstance(extractor, AudioFeatureExtractor):
            raise MetricSetupError(
                f"extractor {self.features_name!r} embeds images, not audio; use an audio "
                f"extractor such as spoken-digits-cnn (bench list extractors)"
            )
        return extractor

    @cached_property
    def reference_outputs(self) -> dict[str, torch.Tensor]:
        reference = self.reference  # its content hash covers its rate
        return self.cache.extract(
            reference.content_hash,
            self.extractor,
            reference.waveforms,
            sample_rate=reference.sample_rate,
        )

    def evaluate(
        self, samples: AudioSamples, adapter: Any = None, model_fingerprint: str = ""
    ) -> list[MetricResult]:
        """Every metric on a cell's clips; ``adapter`` made them (the fingerprint is unused)."""
        if not self.metric_classes:
            return []
        return compute_all(self.metric_classes, self.setup, AudioInputs(self, samples, adapter))
