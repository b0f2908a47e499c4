"""`bench score audio REAL FAKE` on folders of WAV files: bad input is one `error:` line
and exit code 2, naming the folder or file; nothing is a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.data.audio_files import write_wav
from tests.support import audio_models

runner = CliRunner()


def wav_folder(folder: Path, count: int, rate: int = 8000, samples: int = 4096) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    clips = audio_models.tone(count, torch.Generator().manual_seed(count))
    for i, clip in enumerate(clips):
        write_wav(folder / f"clip-{i:02d}.wav", clip[:, :samples], rate)
    return folder


def score(*args: str):
    return runner.invoke(app, ["score", "audio", *map(str, args)])


def error_line(result) -> str:
    """The one ``error:`` message of a failed command, unwrapped."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("error:") == 1
    assert "Traceback" not in result.output
    return " ".join(result.stderr.split())


@pytest.fixture
def real(tmp_path) -> Path:
    return wav_folder(tmp_path / "real", 6)


def test_a_missing_folder_is_an_error_naming_it(tmp_path, real):
    line = error_line(score(real, tmp_path / "nowhere"))
    assert "FAKE" in line and "nowhere: does not exist" in line


def test_a_file_instead_of_a_folder_is_an_error(tmp_path, real):
    file = tmp_path / "clip.wav"
    file.write_bytes((real / "clip-00.wav").read_bytes())
    assert "not a folder" in error_line(score(real, file))


def test_an_empty_folder_is_an_error(tmp_path, real):
    (tmp_path / "empty").mkdir()
    assert "no .wav files" in error_line(score(real, tmp_path / "empty"))


def test_one_clip_is_too_few(tmp_path, real):
    line = error_line(score(real, wav_folder(tmp_path / "one", 1)))
    assert "1 WAV file; every metric needs at least 2" in line


def test_a_clip_at_another_rate_is_an_error_naming_the_file(tmp_path, real):
    fake = wav_folder(tmp_path / "fake", 3)
    write_wav(fake / "odd.wav", torch.zeros(1, 4096), 16000)
    line = error_line(score(real, fake))
    assert "odd.wav: 16000 Hz" in line and "one sample rate" in line


def test_a_clip_of_another_length_is_an_error_naming_the_file(tmp_path, real):
    fake = wav_folder(tmp_path / "fake", 3)
    write_wav(fake / "short.wav", torch.zeros(1, 1000), 8000)
    assert "short.wav: 1000 samples" in error_line(score(real, fake))


def test_a_broken_wav_is_an_error_naming_the_file(tmp_path, real):
    fake = wav_folder(tmp_path / "fake", 3)
    (fake / "broken.wav").write_bytes(b"RIFF but not really")
    assert "broken.wav" in error_line(score(real, fake))


def test_a_text_metric_is_refused_for_audio(tmp_path, real):
    line = error_line(score(real, real, "--metrics", "bleu"))
    assert "'bleu' does not score audio; it belongs to `bench score text`" in line


def test_an_image_only_metric_is_refused_for_audio(real):
    line = error_line(score(real, real, "--metrics", "lpips"))
    assert "'lpips' does not score audio; it belongs to `bench score images`" in line


def test_an_image_extractor_is_an_error_not_a_traceback(real):
    line = error_line(score(real, real, "--features", "digits-cnn", "--metrics", "fd"))
    assert "digits-cnn" in line
