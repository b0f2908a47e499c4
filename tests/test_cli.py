"""The command line: help texts, exit codes, error messages, the results table."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from benchbench.cli.app import app
from tests.support.suites import noise_suite

runner = CliRunner()


@pytest.mark.parametrize(
    "args", [[], ["run"], ["list"], ["zoo"], ["zoo", "train"], ["zoo", "list"], ["zoo", "card"]]
)
def test_every_command_has_help(args):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    if args == ["run"]:
        assert (
            "--fresh" in result.output and "--db" in result.output and "--device" in result.output
        )


def test_list_shows_builtins_with_params():
    result = runner.invoke(app, ["list", "adapters"])
    assert result.exit_code == 0
    for name in ("gan", "vae", "diffusion", "autoregressive", "steps=50", "truncation"):
        assert name in result.output
    assert runner.invoke(app, ["list", "adaptors"]).exit_code == 2


@pytest.mark.parametrize("epochs", ["0", "-3"])
def test_zoo_train_refuses_fewer_than_one_epoch_before_training(epochs, tmp_path):
    result = runner.invoke(
        app, ["zoo", "train", "videogan-digits", "--out", str(tmp_path), "--epochs", epochs]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Invalid value for '--epochs'" in result.output
    assert not any(tmp_path.iterdir())  # nothing trained, nothing written


def test_bad_suite_exits_2_with_file_and_line(write_suite, tmp_path):
    path = write_suite("name: x\nmodles: []\n")
    result = runner.invoke(app, ["run", str(path), "--db", str(tmp_path / "b.duckdb")])
    assert result.exit_code == 2
    assert "suite.yaml:2: modles: unknown field 'modles'; did you mean 'models'?" in result.output


def test_executor_and_its_options_are_checked(write_suite, tmp_path):
    path, db = str(write_suite(noise_suite())), str(tmp_path / "b.duckdb")
    typo = runner.invoke(app, ["run", path, "--db", db, "--executor", "rya"])
    assert typo.exit_code == 2 and "unknown executor 'rya'. Did you mean 'ray'?" in typo.output
    stray = runner.invoke(app, ["run", path, "--db", db, "--address", "auto"])
    assert stray.exit_code == 2
    assert "executor 'local': address: Extra inputs are not permitted" in stray.output
    listed = runner.invoke(app, ["list", "executors"])
    assert "max_parallel" in listed.output and "local" in listed.output


def test_ray_executor_without_ray_says_how_to_install(write_suite, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails, as if not installed
    path, db = str(write_suite(noise_suite())), str(tmp_path / "b.duckdb")
    result = runner.invoke(app, ["run", path, "--db", db, "--executor", "ray"])
    assert result.exit_code == 2
    assert "the ray executor needs Ray: pip install 'benchbench[ray]'" in result.output


def test_run_prints_a_table_then_skips_on_rerun(write_suite, tmp_path):
    path = write_suite(noise_suite())
    db = str(tmp_path / "b.duckdb")
    first = runner.invoke(app, ["run", str(path), "--db", db, "-q"])
    assert first.exit_code == 0, first.output
    assert "samples/s" in first.output and "brightness=0.5" in first.output
    assert "2 cells run, 0 skipped" in first.output
    second = runner.invoke(app, ["run", str(path), "--db", db, "-q"])
    assert "0 cells run, 2 skipped" in second.output
    assert "stored" in second.output


def test_failed_cells_exit_1(write_suite, tmp_path):
    models = [{"name": "loud", "adapter": "tests.support.fake_models:wrong_range"}]
    result = runner.invoke(
        app,
        [
            "run",
            str(write_suite(noise_suite(models=models))),
            "--db",
            str(tmp_path / "b.duckdb"),
            "-q",
        ],
    )
    assert result.exit_code == 1
    assert "failed" in result.output


def test_unavailable_device_is_a_clear_error(write_suite, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = runner.invoke(
        app,
        [
            "run",
            str(write_suite(noise_suite())),
            "--device",
            "cuda",
            "--db",
            str(tmp_path / "b.duckdb"),
        ],
    )
    assert result.exit_code == 2
    assert "CUDA is not available" in result.output


def test_table_shows_labels_and_names_literally(write_suite, tmp_path):
    """Rich markup in metric labels or model names must not be interpreted."""
    models = [{"name": "[bold]odd[/bold]", "adapter": "tests.support.fake_models:real_digits"}]
    suite = noise_suite(
        models=models, metrics=["fd"], sampling={"num_samples": 80, "batch_size": 80}
    )
    result = runner.invoke(
        app, ["run", str(write_suite(suite)), "--db", str(tmp_path / "b.duckdb"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "FD[digits-cnn]" in result.output
    assert "[bold]odd[/bold]" in result.output


def test_the_run_table_heads_columns_without_an_extractor_they_all_share():
    from benchbench.cli.run import shared_extractor

    assert shared_extractor(["FD[spoken-digits-cnn]", "KAD[spoken-digits-cnn]"]) == (
        "spoken-digits-cnn"
    )
    assert shared_extractor(["FID", "KD[digits-cnn]"]) == "digits-cnn"  # FID keeps its name
    assert shared_extractor(["FD[digits-cnn]", "FD[clip-vit-b-32]"]) is None  # two: full labels
    assert shared_extractor(["BLEU", "chrF"]) is None
