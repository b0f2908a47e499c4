"""The audio extractor base and ``spoken-digits-cnn``: pitfalls are clear errors, WAV
formats and rates do not change features, nothing touches the network, and the
feature-level metrics respond to degradations as they should (validity)."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch
from scipy.signal import butter, sosfiltfilt

from benchbench.data.audio_files import read_wav_folder, resample, write_wav
from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE, load_spoken_digits
from benchbench.extractors import EXTRACTORS
from benchbench.extractors.spoken_digits_cnn import SpokenDigitsCNNExtractor
from benchbench.hashing import sha256_file
from benchbench.metrics.audio.kad import kernel_audio_distance
from benchbench.metrics.features.fd import frechet_distance
from benchbench.metrics.features.prdc import density_coverage, precision_recall
from benchbench.nets.audio_classifier import LogMel, mel_filterbank
from benchbench.nets.checkpoint import load_checkpoint
from benchbench.train import train
from benchbench.zoo import ZOO, card, weights_path

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def extractor() -> SpokenDigitsCNNExtractor:
    return EXTRACTORS.get("spoken-digits-cnn")(CPU)


@pytest.fixture(scope="module")
def clips() -> dict[str, torch.Tensor]:
    train, _ = load_spoken_digits("train")
    test, test_labels = load_spoken_digits("test")
    return {"train": train, "test": test, "test_labels": test_labels}


def test_shipped_weights_match_their_card_and_its_held_out_accuracy(clips):
    info, path = card("spoken-digits-cnn"), weights_path("spoken-digits-cnn")
    assert ZOO["spoken-digits-cnn"].family == info["family"] == "feature-extractor"
    assert sha256_file(path) == info["weights_sha256"]
    assert path.stat().st_size == info["weights_bytes"] < 2**20
    assert info["data"]["dataset"] == "spoken-digits" and info["data"]["n"] == 1442
    model = load_checkpoint(path).build()
    assert sum(p.numel() for p in model.parameters()) == info["params"]
    with torch.no_grad():
        accuracy = (model(clips["test"]).argmax(1) == clips["test_labels"]).float().mean()
    assert float(accuracy) == pytest.approx(info["held_out_accuracy"], abs=1e-3)
    assert info["held_out_accuracy"] >= 0.9 and info["held_out_n"] == 355


def test_log_mel_front_end_is_fixed_and_deterministic(clips):
    filters = mel_filterbank(129, 40, 8000)
    assert filters.shape == (129, 40) and float(filters.max()) <= 1.0
    assert bool((filters.sum(0) > 0).all())  # every mel band sees some FFT bin
    front = LogMel(8000, 256, 64, 40)
    assert list(front.state_dict()) == []  # computed, not learned: nothing in a checkpoint
    first, again = front(clips["test"][:5]), LogMel(8000, 256, 64, 40)(clips["test"][:5])
    assert first.shape == (5, 1, 40, 65) and torch.equal(first, again)


@pytest.mark.slow
def test_recipe_runs_end_to_end_and_is_reproducible_from_its_seed(tmp_path):
    rng_before = torch.get_rng_state()
    first = train("spoken-digits-cnn", out_dir=tmp_path / "a", seed=3, epochs=1)
    again = train("spoken-digits-cnn", out_dir=tmp_path / "b", seed=3, epochs=1)
    assert torch.equal(torch.get_rng_state(), rng_before), "recipes must not move the global RNG"
    assert first["weights_sha256"] == again["weights_sha256"]
    assert (first["seed"], first["epochs"], first["steps"]) == (3, 1, 1442 // 64)
    assert 0.0 <= first["held_out_accuracy"] <= 1.0
    assert card("spoken-digits-cnn", tmp_path / "a") == first


class _OwnRateOnly(SpokenDigitsCNNExtractor):
    """The same network, declared as taking its own rate only."""

    resampler = None


def test_identity_records_rate_window_resampler_and_weights(extractor):
    identity = extractor.identity()
    assert identity["name"] == "spoken-digits-cnn" and len(identity["weights_sha256"]) == 64
    assert (identity["sample_rate"], identity["window"], identity["resampler"]) == (
        8000,
        4096,
        "resample_poly",
    )
    assert extractor.feature_dim == 64


def test_a_clip_shorter_than_the_window_is_a_clear_error(extractor, clips):
    short = clips["test"][:2, :, : CLIP_SAMPLES - 1]
    with pytest.raises(ValueError, match=r"at least 4096 samples \(0\.512 s at 8000 Hz\)"):
        extractor(short, SAMPLE_RATE)
    # Long enough at 16 kHz, too short once resampled to 8 kHz: the message says both.
    with pytest.raises(ValueError, match=r"got 3000 samples at that rate \(6000 at 16000 Hz\)"):
        extractor(torch.zeros(1, 1, 6000), 16000)


def test_a_wrong_rate_without_resampler_is_a_clear_error(clips):
    strict = _OwnRateOnly(CPU)
    assert strict.identity()["resampler"] is None
    with pytest.raises(
        ValueError, match=r"takes 8000 Hz audio only \(no resampler\), got 16000 Hz"
    ):
        strict(clips["test"][:2], 16000)
    assert strict(clips["test"][:2], SAMPLE_RATE).shape == (2, 64)


@pytest.mark.parametrize("rate", [0, -8000, 8000.5])
def test_a_rate_that_is_no_rate_is_a_clear_error(extractor, clips, rate):
    with pytest.raises(ValueError, match="must be a positive whole number of Hz"):
        extractor(clips["test"][:2], rate)


def test_bad_shapes_and_samples_are_clear_errors(extractor):
    with pytest.raises(
        ValueError, match=r"waveforms \[N, channels, samples\], got shape \(4096,\)"
    ):
        extractor(torch.zeros(CLIP_SAMPLES), SAMPLE_RATE)
    bad = torch.zeros(1, 1, CLIP_SAMPLES)
    bad[0, 0, 7] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite"):
        extractor(bad, SAMPLE_RATE)


def test_features_are_identical_across_calls_and_batch_sizes(extractor, clips):
    batch = clips["test"][:40]
    first = extractor.extract(batch, SAMPLE_RATE, batch_size=40)
    again = extractor.extract(batch, SAMPLE_RATE, batch_size=40)
    assert torch.equal(first["features"], again["features"])
    assert torch.equal(first["logits"], again["logits"])
    split = extractor(batch, SAMPLE_RATE, batch_size=7)
    assert torch.allclose(split, first["features"], atol=1e-5)


def test_stereo_is_embedded_as_its_mean(extractor, clips):
    mono = clips["test"][:4] * 0.6  # peaks stay below 1 at 1.5 times this gain
    stereo = torch.cat([mono * 0.5, mono * 1.5], dim=1)
    assert torch.allclose(extractor(stereo, SAMPLE_RATE), extractor(mono, SAMPLE_RATE), atol=1e-4)


def test_int16_and_float32_wav_files_give_the_same_features(extractor, clips, tmp_path):
    """The dataset is on the 16-bit grid, so both files hold it exactly; a gain takes the
    audio off the grid, and then 16-bit rounding moves the features by very little."""
    audio = clips["test"][:12]
    for gain, folder in [(1.0, "on-grid"), (0.93, "off-grid")]:
        for dtype in ("int16", "float32"):
            (tmp_path / folder / dtype).mkdir(parents=True)
            for i, clip in enumerate(audio * gain):
                write_wav(tmp_path / folder / dtype / f"{i:02d}.wav", clip, SAMPLE_RATE, dtype)
    on16 = read_wav_folder(tmp_path / "on-grid" / "int16")
    on32 = read_wav_folder(tmp_path / "on-grid" / "float32")
    assert torch.equal(on16.waveforms, on32.waveforms)
    assert torch.equal(extractor(on16.waveforms, 8000), extractor(on32.waveforms, 8000))
    off16 = extractor(read_wav_folder(tmp_path / "off-grid" / "int16").waveforms, 8000)
    off32 = extractor(read_wav_folder(tmp_path / "off-grid" / "float32").waveforms, 8000)
    scale = off32.abs().max()
    assert float((off16 - off32).abs().max()) < 1e-2 * float(scale)


def test_resampled_audio_embeds_close_to_the_original(extractor, clips):
    """16 kHz copies of the test clips come back to 8 kHz through resample_poly inside the
    extractor: their features sit far closer to the originals' than another digit's."""
    audio = clips["test"][:50]
    direct = extractor(audio, SAMPLE_RATE)
    via_16k = extractor(resample(audio, SAMPLE_RATE, 16000), 16000)
    gap = (via_16k - direct).norm(dim=1)
    spread = torch.cdist(direct, direct).median()
    assert float(gap.max()) < 0.1 * float(spread)


def test_extraction_runs_with_sockets_blocked(monkeypatch, clips):
    """Loading the extractor and embedding clips never opens a connection or resolves a
    name: every way out raises, and the test fails if any was tried."""
    attempts: list[str] = []

    def refuse(name: str):
        def blocked(*args, **kwargs):
            attempts.append(name)
            raise OSError(f"network blocked in this test ({name})")

        return blocked

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    with pytest.raises(OSError, match="network blocked"):  # the guard itself is live
        socket.create_connection(("localhost", 9))
    attempts.clear()
    extractor = SpokenDigitsCNNExtractor(CPU)
    features = extractor(clips["test"][:8], SAMPLE_RATE)
    assert features.shape == (8, 64) and attempts == []


# Validity: test split against the train split as reference, in spoken-digits-cnn features.


def _white_noise(audio: torch.Tensor, snr_db: float, seed: int) -> torch.Tensor:
    """``audio`` plus Gaussian white noise at ``snr_db`` of each clip's mean power."""
    generator = torch.Generator().manual_seed(seed)
    power = audio.square().mean(dim=-1, keepdim=True)
    noise = torch.randn(audio.shape, generator=generator) * (power / 10 ** (snr_db / 10)).sqrt()
    return (audio + noise).clamp(-1.0, 1.0)


def _low_pass(audio: torch.Tensor, cutoff_hz: float) -> torch.Tensor:
    """An 8th-order Butterworth low-pass, forward and backward (no phase shift)."""
    sos = butter(8, cutoff_hz, btype="low", fs=SAMPLE_RATE, output="sos")
    filtered = sosfiltfilt(sos, audio.double().numpy(), axis=-1)
    return torch.from_numpy(filtered.astype(np.float32)).clamp(-1.0, 1.0)


@pytest.fixture(scope="module")
def reference_and_test(extractor, clips) -> dict[str, np.ndarray]:
    return {
        "reference": extractor(clips["train"], SAMPLE_RATE).double().numpy(),
        "test": extractor(clips["test"], SAMPLE_RATE).double().numpy(),
    }


def _scores(reference: np.ndarray, features: np.ndarray) -> tuple[float, float]:
    return frechet_distance(reference, features), kernel_audio_distance(reference, features)


@pytest.mark.slow
def test_fd_and_kad_rise_monotonically_with_white_noise(extractor, clips, reference_and_test):
    reference, replay = reference_and_test["reference"], reference_and_test["test"]
    scores = [_scores(reference, replay)]
    for snr_db in (30, 20, 10):
        noisy = _white_noise(clips["test"], snr_db, seed=snr_db)
        scores.append(_scores(reference, extractor(noisy, SAMPLE_RATE).double().numpy()))
    fd, kad = zip(*scores, strict=True)
    print(f"white noise (replay, 30, 20, 10 dB): FD {fd}, KAD {kad}")
    assert list(fd) == sorted(fd) and len(set(fd)) == 4
    assert list(kad) == sorted(kad) and len(set(kad)) == 4


@pytest.mark.slow
def test_fd_and_kad_rise_monotonically_with_low_pass(extractor, clips, reference_and_test):
    reference, replay = reference_and_test["reference"], reference_and_test["test"]
    scores = [_scores(reference, replay)]
    for cutoff in (2000, 1000, 500):
        muffled = _low_pass(clips["test"], cutoff)
        scores.append(_scores(reference, extractor(muffled, SAMPLE_RATE).double().numpy()))
    fd, kad = zip(*scores, strict=True)
    print(f"low-pass (replay, 2 kHz, 1 kHz, 500 Hz): FD {fd}, KAD {kad}")
    assert list(fd) == sorted(fd) and len(set(fd)) == 4
    assert list(kad) == sorted(kad) and len(set(kad)) == 4


@pytest.mark.slow
def test_replay_scores_near_zero_and_noise_far(extractor, clips, reference_and_test):
    reference, replay = reference_and_test["reference"], reference_and_test["test"]
    generator = torch.Generator().manual_seed(0)
    noise = (torch.randn(clips["test"].shape, generator=generator) * 0.3).clamp(-1, 1)
    noise_features = extractor(noise, SAMPLE_RATE).double().numpy()
    (fd_replay, kad_replay), (fd_noise, kad_noise) = (
        _scores(reference, replay),
        _scores(reference, noise_features),
    )
    print(
        f"replay FD {fd_replay:.4g} KAD {kad_replay:.4g}; "
        f"noise FD {fd_noise:.4g} KAD {kad_noise:.4g}"
    )
    assert fd_replay < 0.02 * fd_noise
    assert abs(kad_replay) < 0.02 * kad_noise


@pytest.mark.slow
def test_dropping_half_the_classes_lowers_recall_and_coverage_not_precision(
    clips, reference_and_test
):
    reference, test = reference_and_test["reference"], reference_and_test["test"]
    half = test[clips["test_labels"].numpy() < 5]
    (p_all, r_all), (p_half, r_half) = (
        precision_recall(reference, test),
        precision_recall(reference, half),
    )
    (_, c_all), (_, c_half) = density_coverage(reference, test), density_coverage(reference, half)
    print(
        f"all classes P {p_all:.3f} R {r_all:.3f} C {c_all:.3f}; "
        f"half P {p_half:.3f} R {r_half:.3f} C {c_half:.3f}"
    )
    assert r_half < r_all - 0.2 and c_half < c_all - 0.2
    assert p_half >= p_all - 0.02


def test_fd_of_a_set_with_itself_is_zero_and_never_negative_when_rank_deficient(extractor, clips):
    features = extractor(clips["test"][:40], SAMPLE_RATE).double().numpy()
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    few = features[:10]  # 10 clips, 64 dimensions: covariance of rank 9 at most
    for other in (few, features[10:20], features[:9]):
        assert frechet_distance(few, other) >= 0.0
    assert frechet_distance(few, few) == pytest.approx(0.0, abs=1e-6)
