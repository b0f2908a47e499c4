"""The audio output kind on its own: batch checks, the declared rate, the stored
artifacts (WAV files, spectrogram grid, every clip) and the real-time factor."""

from __future__ import annotations

import io
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.io import wavfile

from benchbench.outputs.audio import (
    AudioOutput,
    AudioSamples,
    check_audio_batch,
    sample_rate_of,
    spectrograms,
)
from benchbench.outputs.image_batches import OutputError
from benchbench.records import Measurement
from tests.support import audio_models

WHO = "model 'gen' (x)"


def clips(n: int = 4) -> torch.Tensor:
    return audio_models.tone(n, torch.Generator().manual_seed(0))


def output() -> AudioOutput:
    return AudioOutput(SimpleNamespace(), torch.device("cpu"))


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (np.zeros((4, 1, 64), np.float32), "returned ndarray, expected a torch.Tensor"),
        (torch.zeros(4, 64), "returned shape (4, 64), expected [4, 1, samples]"),
        (torch.zeros(4, 2, 64), "returned shape (4, 2, 64), expected [4, 1, samples]"),
        (torch.zeros(3, 1, 64), "returned shape (3, 1, 64), expected [4, 1, samples]"),
        (torch.zeros(4, 1, 0), "returned shape (4, 1, 0)"),
        (torch.zeros(4, 1, 64, dtype=torch.int16), "returned dtype torch.int16"),
        (torch.full((4, 1, 64), math.nan), "returned NaN or infinite audio samples"),
        (torch.full((4, 1, 64), -math.inf), "returned NaN or infinite audio samples"),
        (torch.full((4, 1, 64), 1.5), "returned audio in [1.5, 1.5], expected [-1, 1]"),
    ],
)
def test_a_wrong_batch_is_a_clear_error_naming_the_model(batch, message):
    with pytest.raises(OutputError) as caught:
        check_audio_batch(batch, 4, WHO)
    assert str(caught.value).startswith(WHO)
    assert message in str(caught.value)


def test_a_valid_batch_is_kept_as_float32_on_the_cpu():
    kept = output().check(clips().double(), 4, WHO)
    assert kept.dtype == torch.float32 and kept.shape == (4, 1, 4096)


@pytest.mark.parametrize("rate", [None, 0, -8000, 8000.0, True, "8000"])
def test_a_missing_or_wrong_sample_rate_is_a_clear_error(rate):
    adapter = SimpleNamespace() if rate is None else SimpleNamespace(sample_rate=rate)
    with pytest.raises(OutputError, match=r"model 'gen' \(x\) declares sample_rate .*positive"):
        sample_rate_of(adapter, WHO)


def test_collect_keeps_n_clips_and_the_models_rate():
    samples = output().collect([clips(4), clips(4)], 6, SimpleNamespace(sample_rate=8000), WHO)
    assert samples.waveforms.shape == (6, 1, 4096) and samples.sample_rate == 8000
    assert samples.seconds == pytest.approx(0.512)


def test_artifacts_are_playable_wavs_a_spectrogram_grid_and_every_clip():
    samples = AudioSamples(clips(20), 8000)
    artifacts = {a.name: a for a in output().artifacts(samples, seed=3)}
    assert sorted(artifacts) == [
        "sample-0.wav",
        "sample-1.wav",
        "sample-2.wav",
        "sample-3.wav",
        "samples.npz",
        "spectrograms.png",
    ]
    rate, pcm = wavfile.read(io.BytesIO(artifacts["sample-2.wav"].content))
    assert (rate, pcm.dtype, pcm.shape) == (8000, np.int16, (4096,))
    np.testing.assert_allclose(pcm / 32768, samples.waveforms[2, 0].numpy(), atol=1 / 32768)
    assert artifacts["sample-2.wav"].media_type == "audio/wav"
    with Image.open(io.BytesIO(artifacts["spectrograms.png"].content)) as grid:
        assert grid.size == (4 * 129 + 5, 4 * 65 + 5)  # 4 x 4 of 65 bins x 129 frames
    assert artifacts["spectrograms.png"].meta["count"] == 16
    with np.load(io.BytesIO(artifacts["samples.npz"].content)) as stored:
        assert stored["waveforms"].shape == (20, 1, 4096)
        assert stored["waveforms"].dtype == np.int16 and int(stored["sample_rate"]) == 8000


def test_a_spectrogram_shows_a_tone_in_its_frequency_band():
    image = spectrograms(clips(1))[0, 0]  # rows: frequency, highest first
    row = int(image.mean(dim=1).argmax())
    hertz = (image.shape[0] - 1 - row) * 8000 / 128
    assert abs(hertz - 440) < 8000 / 128
    assert float(image.min()) >= 0 and float(image.max()) <= 1


def test_real_time_factor_is_samples_per_s_times_clip_seconds_with_its_interval():
    rate = Measurement(
        "samples_per_s", 100.0, "speed", "samples/s", True, ci_low=80.0, ci_high=120.0, n=5
    )
    samples = AudioSamples(clips(2), 8000)
    (factor,) = output().speed_measurements(None, {}, None, rate, samples)
    assert factor.metric == "real_time_factor" and factor.kind == "speed"
    assert (factor.value, factor.ci_low, factor.ci_high, factor.n) == pytest.approx(
        (51.2, 40.96, 61.44, 5)
    )
    assert factor.signature["clip_seconds"] == pytest.approx(0.512)
    assert factor.signature["sample_rate"] == 8000
