"""``bench score images``: folders and .npz files in, a JSON object or a table out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from benchbench.cli import app
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
    from benchbench.cli_score import weights_app

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    (tmp_path / "alexnet-owt-7be5be79.pth").write_bytes(b"not the published weights")
    result = CliRunner().invoke(
        weights_app,
        ["verify", "lpips-alex", "inception-v3-compat", "--weights-dir", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "MISMATCH" in result.stdout and "missing" in result.stdout
