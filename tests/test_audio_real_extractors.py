"""Real audio extractors (VGGish for FAD, PANNs CNN14): front-ends against independent
computations, honest metric names, and loading from local files only — tested on
randomly initialised networks saved to a temporary directory."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.extractors import EXTRACTORS
from benchbench.extractors.real_audio import PANNsCNN14, VGGishExtractor
from benchbench.extractors.weights_files import MissingWeightsError, WrongWeightsError
from benchbench.hashing import sha256_file
from benchbench.metrics import MetricSetupError
from benchbench.metrics.features.fd import FrechetAudioDistance, FrechetDistance
from benchbench.metrics.features.kd import KernelDistance
from benchbench.nets.audio import panns, vggish
from tests.support.weights import publish_weights

pytestmark = pytest.mark.usefixtures("no_network")  # nothing here may reach for a download


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
    power = panns._Spectrogram()(clips)[:, 0]
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


# -- loading from local files only ------------------------------------------------------

CPU = torch.device("cpu")
EXTRACTOR_CLASSES = {"vggish": VGGishExtractor, "panns-cnn14": PANNsCNN14}


def test_the_network_is_blocked_in_these_tests():
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("example.org", 443), timeout=1)


def publish(monkeypatch, name: str, path: Path) -> None:
    publish_weights(monkeypatch, EXTRACTOR_CLASSES[name], path)


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory) -> Path:
    """Randomly initialised VGGish and CNN14, saved in their published formats and names."""
    directory = tmp_path_factory.mktemp("audio-weights")
    torch.manual_seed(0)
    torch.save(vggish.VGGish().state_dict(), directory / VGGishExtractor.weights_file.name)
    checkpoint = {"model": panns.Cnn14().state_dict(), "iteration": 600000}
    torch.save(checkpoint, directory / PANNsCNN14.weights_file.name)
    return directory


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "dim", "rate", "samples"),
    [("vggish", 128, 16_000, 20_000), ("panns-cnn14", 2048, 32_000, 16_384)],
)
def test_the_published_file_loads_and_embeds_each_clip(
    random_weights, monkeypatch, name, dim, rate, samples
):
    path = random_weights / EXTRACTOR_CLASSES[name].weights_file.name
    publish(monkeypatch, name, path)
    extractor = EXTRACTORS.get(name)(CPU, weights_dir=random_weights)
    torch.manual_seed(1)
    clips = torch.rand(3, 1, samples) * 2 - 1
    features = extractor.extract(clips, rate)["features"]
    assert features.shape == (3, dim) and features.dtype == torch.float32
    assert torch.equal(features, extractor.extract(clips, rate)["features"])
    assert not torch.allclose(features[0], features[1])
    identity = extractor.identity()
    assert identity["weights_sha256"] == sha256_file(path)
    assert identity["sample_rate"] == rate and extractor.feature_dim == dim


@pytest.mark.slow
def test_vggish_refuses_clips_shorter_than_its_patch_at_any_rate(random_weights, monkeypatch):
    publish(monkeypatch, "vggish", random_weights / VGGishExtractor.weights_file.name)
    extractor = EXTRACTORS.get("vggish")(CPU, weights_dir=random_weights)
    spoken_digit = torch.zeros(2, 1, 4096)  # 0.512 s at 8 kHz
    with pytest.raises(ValueError, match=r"vggish needs clips of at least 15600 samples"):
        extractor.extract(spoken_digit, 8000)
    assert extractor.extract(torch.zeros(2, 1, 8000), 8000)["features"].shape == (2, 128)


@pytest.mark.parametrize("name", ["vggish", "panns-cnn14"])
def test_a_file_with_another_hash_is_refused_naming_it(tmp_path, monkeypatch, name):
    cls = EXTRACTOR_CLASSES[name]
    monkeypatch.setattr(cls, "weights_file", dataclasses.replace(cls.weights_file, sha256="0" * 64))
    path = tmp_path / cls.weights_file.name
    torch.save({"model": {}}, path)
    with pytest.raises(WrongWeightsError) as error:
        EXTRACTORS.get(name)(CPU, weights_dir=tmp_path)
    assert str(path) in str(error.value) and sha256_file(path) in str(error.value)
    assert f"bench weights fetch {name}" in str(error.value)


def test_the_published_vggish_hash_prefix_is_checked(tmp_path):
    (tmp_path / "vggish-10086976.pth").write_bytes(b"a truncated download")
    with pytest.raises(WrongWeightsError, match=r"has sha256 .* but the published"):
        EXTRACTORS.get("vggish")(CPU, weights_dir=tmp_path)


@pytest.mark.parametrize(
    ("name", "state", "message"),
    [
        ("vggish", lambda: nn.Linear(3, 2).state_dict(), "18 tensors missing .* 2 unexpected"),
        (
            "vggish",
            lambda: {key: torch.zeros(1) for key in vggish.VGGish().state_dict()},
            r"18 with another shape \(features.0.weight: \[1\] in the file, \[64, 1, 3, 3\]",
        ),
        ("panns-cnn14", lambda: {"model": nn.Linear(3, 2).state_dict()}, "84 tensors missing"),
        ("panns-cnn14", lambda: nn.Linear(3, 2).state_dict(), "not a PANNs checkpoint"),
    ],
    ids=["vggish-another-net", "vggish-reshaped", "cnn14-another-net", "cnn14-bare-dict"],
)
def test_another_networks_file_is_refused_naming_it(tmp_path, monkeypatch, name, state, message):
    path = tmp_path / EXTRACTOR_CLASSES[name].weights_file.name
    torch.save(state(), path)
    publish(monkeypatch, name, path)
    with pytest.raises(WrongWeightsError, match=message) as error:
        EXTRACTORS.get(name)(CPU, weights_dir=tmp_path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("name", ["vggish", "panns-cnn14"])
def test_missing_weights_name_the_file_the_places_and_the_fetch_command(empty_caches, name):
    given = empty_caches / "given"
    with pytest.raises(MissingWeightsError) as error:
        EXTRACTORS.get(name)(CPU, weights_dir=given)
    message = str(error.value)
    assert EXTRACTOR_CLASSES[name].weights_file.name in message
    assert f"bench weights fetch {name}" in message
    for place in (given, empty_caches / "torch" / "hub" / "checkpoints", empty_caches / "hf"):
        assert str(place) in message


def test_weights_verify_covers_the_audio_extractors(empty_caches, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    given = empty_caches / "given"
    given.mkdir()
    (given / "vggish-10086976.pth").write_bytes(b"not the published weights")
    result = CliRunner().invoke(
        app, ["weights", "verify", "vggish", "panns-cnn14", "--weights-dir", str(given)]
    )
    assert result.exit_code == 1 and "MISMATCH" in result.stdout
    (given / "vggish-10086976.pth").unlink()
    (given / "Cnn14_mAP=0.431.pth").write_bytes(b"some checkpoint")
    result = CliRunner().invoke(
        app, ["weights", "verify", "vggish", "panns-cnn14", "--weights-dir", str(given)]
    )
    assert result.exit_code == 0, result.stdout
    assert "missing" in result.stdout and "no published hash" in result.stdout


def test_bench_list_describes_audio_extractors_by_rate_and_window(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["list", "extractors"])
    assert result.exit_code == 0, result.output
    assert "16000 Hz, clips >= 15600 samples" in result.stdout
    assert "32000 Hz, clips >= 9920 samples" in result.stdout
