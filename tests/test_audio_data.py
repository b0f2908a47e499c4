"""The embedded audio world (spoken-digits), WAV files and resampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.io import wavfile

from benchbench.data import DATASETS, AudioSet
from benchbench.data.audio_files import (
    AudioLoadError,
    read_wav,
    read_wav_folder,
    resample,
    write_wav,
)
from benchbench.data.digits import load_digits
from benchbench.data.spoken_digits import (
    CLIP_SAMPLES,
    SAMPLE_RATE,
    _all_clips,
    load_spoken_digits,
    synthesise,
)


def test_spoken_digits_shapes_split_and_range():
    train, test = DATASETS.get("spoken-digits")().load("train"), load_spoken_digits("test")
    assert isinstance(train, AudioSet) and train.sample_rate == SAMPLE_RATE == 8000
    assert train.waveforms.shape == (1442, 1, CLIP_SAMPLES) and CLIP_SAMPLES == 4096
    assert test[0].shape == (355, 1, CLIP_SAMPLES)
    assert train.waveforms.dtype == torch.float32 and train.labels.dtype == torch.int64
    assert float(train.waveforms.abs().max()) <= 1.0
    assert torch.equal(test[1], load_digits("test")[1])  # the image digits' split
    # 16-bit clean: every sample is a multiple of 1/32768, so a 16-bit WAV holds it exactly.
    scaled = train.waveforms * 32768
    assert torch.equal(scaled, scaled.round())


def test_spoken_digit_clips_are_resynthesised_byte_for_byte():
    """A clip depends on its image and index only: synthesised again, the same bytes."""
    from sklearn.datasets import load_digits

    cached = load_spoken_digits("all")[0]
    images = load_digits().images
    for index in (0, 17, 1796):
        assert synthesise(images[index], index).tobytes() == cached[index, 0].numpy().tobytes()


@pytest.mark.slow
def test_spoken_digits_hash_the_same_after_a_second_synthesis():
    """The whole set, synthesised afresh (cache cleared), has the same content hash."""
    first = DATASETS.get("spoken-digits")().load("all")
    assert first.content_hash == DATASETS.get("spoken-digits")().load("all").content_hash
    _all_clips.cache_clear()
    assert DATASETS.get("spoken-digits")().load("all").content_hash == first.content_hash


def _coarse_spectrogram(waveforms: torch.Tensor) -> torch.Tensor:
    """Unit-norm magnitude spectrograms pooled to 16 bands × 8 frames: no pitch detail."""
    window = torch.hann_window(256)
    spec = torch.stft(waveforms[:, 0], 256, 128, window=window, return_complex=True).abs()
    pooled = torch.nn.functional.adaptive_avg_pool2d(spec, (16, 8)).flatten(1)
    return pooled / pooled.norm(dim=1, keepdim=True)


def test_spoken_digit_classes_differ_and_vary_within():
    """A nearest-class-mean rule on coarse spectrograms beats chance (10 %) by far on the
    test split, so classes differ; it is far from perfect and no two clips of a class are
    equal, so classes vary within (tempo, onset, pitch, amplitude)."""
    train, train_labels = load_spoken_digits("train")
    test, test_labels = load_spoken_digits("test")
    train_features, test_features = _coarse_spectrogram(train), _coarse_spectrogram(test)
    means = torch.stack([train_features[train_labels == d].mean(0) for d in range(10)])
    accuracy = (torch.cdist(test_features, means).argmin(1) == test_labels).float().mean()
    assert 0.4 < accuracy < 0.9
    threes = train[train_labels == 3, 0]
    assert torch.unique(threes, dim=0).shape[0] == len(threes)
    assert threes.abs().amax(dim=1).std() > 0.1  # amplitude jitter


def test_audio_set_identity_includes_the_rate():
    waves = torch.zeros(2, 1, 8)
    assert (
        AudioSet("x", "s", waves, None, 8000).identity
        != AudioSet("x", "s", waves, None, 16000).identity
    )


@pytest.mark.parametrize(
    ("dtype", "scale", "offset"),
    [(np.int16, 32768, 0), (np.int32, 2**31, 0), (np.uint8, 128, 128), (np.float32, 1, 0)],
)
def test_read_wav_scales_each_format_to_unit_range(tmp_path, dtype, scale, offset):
    values = np.array([-1.0, -0.5, 0.0, 0.25, 0.5], dtype=np.float64)
    raw = (values * scale + offset).astype(dtype)
    wavfile.write(tmp_path / "a.wav", 8000, raw)
    waveform, rate = read_wav(tmp_path / "a.wav")
    assert rate == 8000 and waveform.dtype == torch.float32 and waveform.shape == (1, 5)
    assert np.allclose(waveform[0].numpy(), values, atol=0)


def test_int16_and_float32_files_of_the_same_audio_agree(tmp_path):
    audio = load_spoken_digits("test")[0][:1, 0] * 0.999 + 1e-4  # off the 16-bit grid
    write_wav(tmp_path / "a16.wav", audio, 8000, dtype="int16")
    write_wav(tmp_path / "a32.wav", audio, 8000, dtype="float32")
    as16, as32 = read_wav(tmp_path / "a16.wav")[0], read_wav(tmp_path / "a32.wav")[0]
    assert torch.equal(as32, audio)
    assert float((as16 - as32).abs().max()) <= 0.5 / 32768


def test_full_scale_clips_to_int16(tmp_path):
    write_wav(tmp_path / "a.wav", torch.tensor([[1.0, -1.0]]), 8000)
    assert wavfile.read(tmp_path / "a.wav")[1].tolist() == [32767, -32768]


def test_stereo_is_mixed_down_by_the_mean(tmp_path):
    stereo = np.array([[0.5, -0.5], [0.25, 0.75]], dtype=np.float32)  # [samples, channels]
    wavfile.write(tmp_path / "s.wav", 8000, stereo)
    assert read_wav(tmp_path / "s.wav")[0].tolist() == [[0.0, 0.5]]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", r"empty file \(0 bytes\)"),
        (b"not a wav file at all, just text\n", "not a WAV file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not a WAV file"),  # cut short in the header
    ],
)
def test_broken_files_are_errors_naming_the_file(tmp_path, content, reason):
    (tmp_path / "bad.wav").write_bytes(content)
    with pytest.raises(AudioLoadError, match=reason) as info:
        read_wav(tmp_path / "bad.wav")
    assert str(tmp_path / "bad.wav") in str(info.value)


def test_a_file_cut_short_is_an_error_not_half_a_clip(tmp_path):
    write_wav(tmp_path / "whole.wav", torch.full((1, 1000), 0.25), 8000)
    content = (tmp_path / "whole.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(content[: len(content) // 2])
    with pytest.raises(AudioLoadError, match=r"cut\.wav: the file is cut short"):
        read_wav(tmp_path / "cut.wav")


def test_out_of_range_float_and_no_samples_are_errors(tmp_path):
    wavfile.write(tmp_path / "loud.wav", 8000, np.array([0.5, 1.5], dtype=np.float32))
    with pytest.raises(AudioLoadError, match=r"loud\.wav: float samples must lie in \[-1, 1\]"):
        read_wav(tmp_path / "loud.wav")
    wavfile.write(tmp_path / "none.wav", 8000, np.zeros(0, dtype=np.int16))
    with pytest.raises(AudioLoadError, match=r"none\.wav: the WAV file holds no samples"):
        read_wav(tmp_path / "none.wav")


def test_read_wav_folder_sorted_and_skips_others(tmp_path):
    for name, value in [("b.wav", 0.5), ("a.WAV", 0.25), ("c.wav", -0.5)]:
        write_wav(tmp_path / name, torch.full((1, 4), value), 8000)
    (tmp_path / "notes.txt").write_text("x")
    warnings: list[str] = []
    audio = read_wav_folder(tmp_path, warn=warnings.append)
    assert audio.sample_rate == 8000 and audio.labels is None
    assert audio.waveforms[:, 0, 0].tolist() == [0.25, 0.5, -0.5]
    assert audio.waveforms.shape == (3, 1, 4)
    assert len(warnings) == 1 and "notes.txt" in warnings[0]


def test_read_wav_folder_refuses_mixed_rates_and_lengths(tmp_path):
    write_wav(tmp_path / "a.wav", torch.zeros(1, 4), 8000)
    write_wav(tmp_path / "b.wav", torch.zeros(1, 4), 16000)
    with pytest.raises(AudioLoadError, match=r"b\.wav: 16000 Hz, but a\.wav is 8000 Hz"):
        read_wav_folder(tmp_path)
    write_wav(tmp_path / "b.wav", torch.zeros(1, 5), 8000)
    with pytest.raises(AudioLoadError, match=r"b\.wav: 5 samples, but a\.wav has 4"):
        read_wav_folder(tmp_path)


def test_read_wav_folder_errors_on_empty_or_missing_folder(tmp_path):
    with pytest.raises(AudioLoadError, match=r"no \.wav files"):
        read_wav_folder(tmp_path)
    with pytest.raises(AudioLoadError, match="does not exist"):
        read_wav_folder(tmp_path / "missing")


def test_resample_round_trip_keeps_a_band_limited_tone():
    t = torch.arange(8000, dtype=torch.float64) / 8000
    tone = torch.sin(2 * torch.pi * 440 * t).float().reshape(1, 1, -1)
    up = resample(tone, 8000, 16000)
    assert up.shape == (1, 1, 16000) and up.dtype == torch.float32
    back = resample(up, 16000, 8000)
    inner = slice(200, -200)  # the filter's edges
    assert (
        float((back[..., inner] - tone[..., inner]).abs().max()) < 5e-3
    )  # resample_poly's passband ripple
    assert torch.equal(resample(tone, 8000, 8000), tone)


@pytest.mark.parametrize("rate", [0, -8000, 8000.5, True, "8000"])
def test_resample_refuses_a_rate_that_is_not_a_positive_integer(rate):
    with pytest.raises(ValueError, match="must be a positive whole number of Hz"):
        resample(torch.zeros(1, 1, 8), rate, 16000)
    with pytest.raises(ValueError, match="must be a positive whole number of Hz"):
        resample(torch.zeros(1, 1, 8), 16000, rate)


def test_resample_refuses_a_ratio_too_odd_to_filter():
    with pytest.raises(ValueError, match="8001 Hz to 8000 Hz: the ratio reduces to 8000/8001"):
        resample(torch.zeros(1, 1, 8), 8001, 8000)
