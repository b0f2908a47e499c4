"""Real audio extractors (VGGish for FAD, PANNs CNN14): front-ends against independent
computations, honest metric names, and loading from local files only — tested on
randomly initialised networks saved to a temporary directory."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.metrics import MetricSetupError
from benchbench.metrics.image.fd import FrechetAudioDistance, FrechetDistance
from benchbench.metrics.image.kd import KernelDistance
from benchbench.nets.audio import panns, vggish


def sine(hertz: float, seconds: float, rate: int) -> np.ndarray:
    return np.sin(2 * np.pi * hertz * np.arange(int(seconds * rate)) / rate)


def vggish_examples_numpy(signal: np.ndarray) -> np.ndarray:
    """AudioSet's ``vggish_input.waveform_to_examples`` recipe for a 16 kHz clip, written
    out in plain numpy (loops where the original loops)."""
    window, hop, fft = 400, 160, 512
    count = 1 + (len(signal) - window) // hop
    frames = np.stack([signal[i * hop : i * hop + window] for i in range(count)])
    hann = 0.5 - 0.5 * np.cos(2 * np.pi / window * np.arange(window))
    magnitude = np.abs(np.fft.rfft(frames * hann, fft))
    bins_mel = 1127.0 * np.log(1.0 + np.linspace(0, 8000, fft // 2 + 1) / 700.0)
    edges = np.linspace(1127.0 * np.log(1 + 125 / 700), 1127.0 * np.log(1 + 7500 / 700), 66)
    weights = np.zeros((fft // 2 + 1, 64))
    for band in range(64):
        low, center, high = edges[band : band + 3]
        up = (bins_mel - low) / (center - low)
        down = (high - bins_mel) / (high - center)
        weights[:, band] = np.maximum(0.0, np.minimum(up, down))
    weights[0, :] = 0.0
    log_mel = np.log(magnitude @ weights + 0.01)
    patches = len(log_mel) // 96
    return np.stack([log_mel[p * 96 : (p + 1) * 96] for p in range(patches)])


def test_vggish_log_mel_patches_equal_the_original_recipe_in_numpy():
    rng = np.random.default_rng(0)
    clips = np.stack([rng.uniform(-1, 1, 33_000), 0.5 * sine(440, 33_000 / 16_000, 16_000)])
    patches = vggish.log_mel_patches(torch.from_numpy(clips))
    assert patches.shape == (2, 2, 96, 64)  # 33,000 samples: two whole 0.96 s patches
    for clip, actual in zip(clips, patches, strict=True):
        np.testing.assert_allclose(actual.numpy(), vggish_examples_numpy(clip), atol=1e-9)


def test_vggish_puts_a_tone_in_its_mel_band():
    patches = vggish.log_mel_patches(torch.from_numpy(sine(1000, 1.0, 16_000))[None])
    mel = vggish.hertz_to_mel(1000.0)
    edges = np.linspace(vggish.hertz_to_mel(125), vggish.hertz_to_mel(7500), 66)
    centers = edges[1:-1]
    assert int(patches[0, 0].mean(0).argmax()) == int(np.abs(centers - mel).argmin())


def test_vggish_refuses_a_clip_shorter_than_one_patch():
    with pytest.raises(ValueError, match="at least 15600 samples at 16000 Hz"):
        vggish.log_mel_patches(torch.zeros(1, 15_599))


def slaney_mel_numpy(hertz: float) -> float:
    """Slaney's mel scale as the Auditory Toolbox defines it (librosa's ``htk=False``)."""
    if hertz < 1000:
        return 3 * hertz / 200
    return 15 + 27 * np.log(hertz / 1000) / np.log(6.4)


def test_cnn14_mel_filters_are_librosas_slaney_filters():
    assert slaney_mel_numpy(1000) == pytest.approx(15) and slaney_mel_numpy(6400) == 42
    edges_mel = np.linspace(slaney_mel_numpy(50), slaney_mel_numpy(14_000), 66)
    edges = panns.slaney_mel_to_hz(edges_mel)
    np.testing.assert_allclose([slaney_mel_numpy(f) for f in edges], edges_mel, rtol=1e-12)
    fft_hz = np.arange(513) * 32_000 / 1024
    expected = np.zeros((513, 64))
    for band in range(64):
        low, center, high = edges[band : band + 3]
        for k, f in enumerate(fft_hz):
            triangle = min((f - low) / (center - low), (high - f) / (high - center))
            expected[k, band] = max(0.0, triangle) * 2 / (high - low)
    np.testing.assert_allclose(panns.mel_filters(), expected, rtol=1e-9, atol=1e-15)


def test_cnn14_spectrogram_equals_torch_stft():
    """The checkpoint's convolutional STFT vs ``torch.stft`` (float64, centred, reflect
    padding); tolerance 1e-4 of the largest power, the float32 convolution's rounding."""
    torch.manual_seed(0)
    clips = torch.rand(2, 12_000) * 2 - 1
    power = panns.Cnn14().spectrogram_extractor(clips)[:, 0]
    stft = torch.stft(
        clips.double(),
        n_fft=1024,
        hop_length=320,
        window=torch.hann_window(1024, periodic=True, dtype=torch.float64),
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )
    expected = (stft.abs() ** 2).transpose(1, 2)
    assert power.shape == expected.shape == (2, 1 + 12_000 // 320, 513)
    torch.testing.assert_close(power.double(), expected, rtol=0, atol=1e-4 * expected.max())


@pytest.mark.parametrize(
    ("extractor", "fd", "kd"),
    [
        ("vggish", "FAD", "KD[vggish]"),
        ("inception-v3-compat", "FID", "KD[inception-v3-compat]"),
        ("panns-cnn14", "FD[panns-cnn14]", "KD[panns-cnn14]"),
    ],
)
def test_literature_names_only_on_the_extractor_they_are_defined_on(extractor, fd, kd):
    features = {"name": extractor}
    assert FrechetDistance(features, reference="r").label == fd
    assert KernelDistance(features, reference="r").label == kd


def test_fad_refuses_features_other_than_vggish():
    assert FrechetAudioDistance({"name": "vggish"}, reference="r").label == "FAD"
    with pytest.raises(MetricSetupError, match="defined on vggish"):
        FrechetAudioDistance({"name": "panns-cnn14"}, reference="r")
