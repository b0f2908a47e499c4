"""``bench score images``: folders and .npz files in, a JSON object or a table out."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.data.digits import load_digits
from benchbench.data.folders import ImageLoadError, load_images


def digits_uint8(split: str, count: int) -> np.ndarray:
    images, _ = load_digits(split)
    return (images[:count].numpy() * 255).round().astype(np.uint8)


@pytest.fixture
def sets(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    real = tmp_path / "real"
    real.mkdir()
    for i, image in enumerate(digits_uint8("test", 120)):
        Image.fromarray(image[0]).save(real / f"{i:03d}.png")
    fake = tmp_path / "fake.npz"
    np.savez(fake, images=digits_uint8("train", 150).transpose(0, 2, 3, 1))  # NHWC
    return real, fake


def test_json_maps_each_metric_to_its_value(sets):
    real, fake = sets
    metrics = "fd,kd,is,precision,recall,density,coverage"
    result = CliRunner().invoke(
        app, ["score", "images", str(real), str(fake), "--metrics", metrics, "--json"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert list(scores) == metrics.split(",")
    assert all(isinstance(s["value"], float) for s in scores.values())
    assert scores["fd"]["label"] == "FD[digits-cnn]" and scores["fd"]["n"] == 150
    assert scores["is"]["std"] >= 0 and scores["precision"]["value"] > 0.7


def test_same_images_as_folder_and_npz_load_identically(sets, tmp_path):
    real, _ = sets
    np.savez(tmp_path / "real.npz", images=digits_uint8("test", 120))  # NCHW, as bench run
    assert load_images(real).content_hash == load_images(tmp_path / "real.npz").content_hash
    with pytest.raises(ImageLoadError, match="no 'images' array"):
        np.savez(tmp_path / "bad.npz", samples=np.zeros((2, 1, 4, 4), np.uint8))
        load_images(tmp_path / "bad.npz")


def test_fid_on_another_extractor_is_refused_with_a_hint(sets):
    real, fake = sets
    result = CliRunner().invoke(app, ["score", "images", str(real), str(fake), "--metrics", "fid"])
    assert result.exit_code == 2
    assert "inception-v3-compat" in result.stderr and "fd" in result.stderr


def test_table_output_names_metrics_honestly(sets):
    real, fake = sets
    result = CliRunner().invoke(
        app, ["score", "images", str(real), str(fake), "--metrics", "fd,coverage"]
    )
    assert result.exit_code == 0, result.output
    assert "FD[digits-cnn]" in result.stdout and "Coverage[digits-cnn]" in result.stdout


def test_weights_verify_reports_missing_and_mismatched_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    (tmp_path / "alexnet-owt-7be5be79.pth").write_bytes(b"not the published weights")
    result = CliRunner().invoke(
        app,
        ["weights", "verify", "lpips-alex", "inception-v3-compat", "--weights-dir", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "MISMATCH" in result.stdout and "missing" in result.stdout


# -- misuse: every one an `error:` line and exit code 2, never a traceback ---------------


@pytest.fixture
def paths(sets, tmp_path) -> dict[str, str]:
    """Named inputs of the misuse cases: good sets, text files, and wrong kinds of path."""
    real, fake = sets
    text = tmp_path / "lines.txt"
    text.write_text("the cat sat on the mat\na dog ran in the park\n")
    one = tmp_path / "one"
    one.mkdir()
    Image.fromarray(digits_uint8("test", 1)[0, 0]).save(one / "0.png")
    os.mkfifo(tmp_path / "pipe")
    return {
        "PIPE": str(tmp_path / "pipe"),
        "REAL": str(real),
        "FAKE": str(fake),
        "TEXT": str(text),
        "FOLDER": str(real),
        "ONE": str(one),
        "MISSING": str(tmp_path / "missing"),
    }


IMAGES = ["score", "images", "REAL", "FAKE"]
TEXT = ["score", "text", "--hyp", "TEXT", "--ref", "TEXT"]
PERPLEXITY = ["score", "perplexity", "--model", "zoo:ngram-prose", "--text", "TEXT"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "images", "REAL", "TEXT"], "lines.txt: a file, but neither an image folder"),
        (["score", "images", "MISSING", "FAKE"], "missing: No such file or directory"),
        (["score", "images", "REAL", "ONE"], "FAKE {ONE}: 1 image; every metric needs at least 2"),
        ([*IMAGES, "--resamples", "-1"], "--resamples -1: give 0 (no intervals) to 10000"),
        ([*IMAGES, "--resamples", "1000000000000"], "--resamples 1000000000000: give 0"),
        ([*IMAGES, "--confidence", "1.5"], "--confidence 1.5: give a level between 0 and 1"),
        ([*IMAGES, "--confidence", "nan"], "--confidence nan: give a level between 0 and 1"),
        ([*IMAGES, "--seed", "-1"], "--seed -1: give a non-negative integer"),
        (
            [*IMAGES, "--metrics", "bleu"],
            "'bleu' does not score images; it belongs to `bench score text`",
        ),
        ([*IMAGES, "--metrics", "fd,fdd"], "unknown metric 'fdd'. Did you mean 'fd'?"),
        ([*IMAGES, "--metrics", " , "], "--metrics ' , ' names no metric"),
        ([*IMAGES, "--metrics", "fd,kd,fd"], "--metrics lists 'fd' more than once"),
        ([*IMAGES, "--weights-dir", "TEXT"], "--weights-dir {TEXT} is not a folder"),
        ([*IMAGES, "--weights-dir", "MISSING"], "--weights-dir {MISSING} does not exist"),
        ([*IMAGES, "--cache-dir", "TEXT"], "--cache-dir {TEXT} is not a folder"),
        (["score", "text", "--hyp", "FOLDER", "--ref", "TEXT"], "--hyp {FOLDER} is a folder"),
        (["score", "text", "--hyp", "TEXT", "--ref", "FOLDER"], "--ref {FOLDER} is a folder"),
        (["score", "text", "--hyp", "PIPE", "--ref", "TEXT"], "--hyp {PIPE} is not a regular file"),
        (
            [*TEXT, "--metrics", "fd"],
            "'fd' does not score texts; it belongs to `bench score images`",
        ),
        ([*TEXT, "--metrics", "lpips"], "'lpips' does not score texts"),
        ([*TEXT, "--metrics", "chrff"], "Did you mean 'chrf'?"),
        ([*TEXT, "--resamples", "-5"], "--resamples -5: give 0 (no intervals) to 10000"),
        ([*TEXT, "--resamples", "99999999999"], "--resamples 99999999999: give 0"),
        ([*TEXT, "--confidence", "0"], "--confidence 0.0: give a level between 0 and 1"),
        (["score", "perplexity", "--model", "zoo:ngram-prose", "--text", "FOLDER"], "is a folder"),
        ([*PERPLEXITY, "--resamples", "-1"], "--resamples -1: give 0"),
        ([*PERPLEXITY, "--stride", "0"], "--stride 0: give a positive number of tokens"),
    ],
)
def test_misuse_is_an_error_line_with_exit_code_2(paths, args, message):
    argv = [paths.get(arg, arg) for arg in args]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("error:") == 1
    assert message.format(**paths) in " ".join(result.stderr.split())


def test_a_sixteen_bit_folder_scores_as_its_8_bit_twin(sets, tmp_path):
    real, fake = sets
    wide = tmp_path / "wide"
    wide.mkdir()
    for path in sorted(real.iterdir()):
        with Image.open(path) as image:
            Image.fromarray(np.asarray(image).astype(np.uint16) * 257).save(wide / path.name)
    scores = [
        json.loads(
            CliRunner()
            .invoke(app, ["score", "images", str(folder), str(fake), "--metrics", "fd", "--json"])
            .stdout
        )["fd"]["value"]
        for folder in (real, wide)
    ]
    assert scores[0] == scores[1]


def test_skipped_folder_entries_are_warned(sets):
    real, fake = sets
    (real / "notes.txt").write_text("how these were made")
    result = CliRunner().invoke(app, ["score", "images", str(real), str(fake), "--metrics", "fd"])
    assert result.exit_code == 0, result.output
    assert "skipped what is not a .png/.jpg/.jpeg file (1): notes.txt" in result.stderr


def test_a_tiny_set_gets_strict_json_and_says_it_has_no_interval(sets, tmp_path):
    """At N=2 some bootstrap resamples draw one image twice: KD has no within-set pair there,
    so no interval exists. The output says so, in JSON that strict parsers accept."""
    real, _ = sets
    tiny = tmp_path / "tiny.npz"
    np.savez(tiny, images=digits_uint8("train", 2).transpose(0, 2, 3, 1))
    args = ["score", "images", str(real), str(tiny), "--metrics", "kd", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    kd = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert kd["kd"]["ci_low"] is None and kd["kd"]["ci_high"] is None
    assert any("no interval" in w for w in kd["kd"]["warnings"])
    assert np.isfinite(kd["kd"]["value"])
