"""Audio quality through the whole pipeline, on the embedded spoken-digits classifier:
replay (real clips) scores near zero and noise far, a model at 16 kHz is resampled with
the named resampler and recorded so, a rate that cannot be resampled fails its cell,
conditional accuracy reads the digit each clip was asked for, the report plots quality
against the real-time factor, and `bench score audio` gives the same numbers for int16
and float32 WAV files of the same clips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.data import DATASETS
from benchbench.data.audio_files import write_wav
from benchbench.store.runs import Store
from tests.support import REPO

runner = CliRunner()
FD = "FD[spoken-digits-cnn]"


def suite(models: list[dict], **overrides) -> dict:
    spec = {
        "name": "audio-quality",
        "seed": 0,
        "device": "cpu",
        "reference": {"dataset": "spoken-digits", "split": "test"},
        "features": "spoken-digits-cnn",
        "metrics": ["fd", "kad", "precision", "recall", "is"],
        "bootstrap": {"resamples": 20},
        "sampling": {"num_samples": 64, "batch_size": 32},
        "timing": {"warmup": 1, "min_repeats": 1, "min_seconds": 0.0},
        "models": models,
    }
    spec.update(overrides)
    return spec


def run(folder: Path, spec: dict, expect: int = 0) -> Path:
    path = folder / f"{spec['name']}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    db = folder / "bench.duckdb"
    result = runner.invoke(app, ["run", str(path), "--db", str(db), "-q"])
    assert result.exit_code == expect, result.output
    return db


def quality(db: Path) -> dict[str, dict[str, dict]]:
    """model -> metric label -> {value, signature} of the latest run's complete cells."""
    with Store(db, read_only=True) as store:
        rows = store.query(
            "SELECT c.model_name, m.label, m.value, m.signature FROM cells c "
            "JOIN measurements m ON m.cell_id = c.cell_id WHERE m.kind = 'quality'"
        )
    found: dict[str, dict[str, dict]] = {}
    for row in rows.itertuples():
        found.setdefault(row.model_name, {})[row.label] = {
            "value": row.value,
            "signature": json.loads(row.signature),
        }
    return found


@pytest.fixture(scope="module")
def baselines(tmp_path_factory) -> Path:
    models = [
        {"name": "replay", "adapter": "replay"},
        {"name": "noise", "adapter": "noise"},
        {"name": "wide", "adapter": "tests.support.audio_models:at_16k"},
        {"name": "odd-rate", "adapter": "tests.support.audio_models:odd_rate"},
    ]
    return run(tmp_path_factory.mktemp("audio-quality"), suite(models), expect=1)


def test_replay_scores_near_zero_and_noise_far(baselines):
    scores = quality(baselines)
    assert scores["replay"][FD]["value"] < 0.1 * scores["noise"][FD]["value"]
    assert scores["replay"]["Recall[spoken-digits-cnn]"]["value"] > 0.5
    assert scores["noise"]["Recall[spoken-digits-cnn]"]["value"] < 0.2


def test_signatures_name_the_extractor_rate_window_and_resampler(baselines):
    features = quality(baselines)["wide"][FD]["signature"]["features"]
    assert features["name"] == "spoken-digits-cnn"
    assert features["sample_rate"] == 8000 and features["resampler"] == "resample_poly"
    assert isinstance(features["window"], int) and features["weights_sha256"]


def test_a_rate_that_cannot_be_resampled_fails_its_cell_saying_so(baselines):
    with Store(baselines, read_only=True) as store:
        error = store.query("SELECT error FROM cells WHERE model_name = 'odd-rate'")["error"][0]
    assert "cannot resample 8001 Hz to 8000 Hz" in error


def test_the_report_plots_quality_against_the_real_time_factor(baselines, tmp_path):
    out = tmp_path / "site"
    result = runner.invoke(app, ["report", "--db", str(baselines), "--out", str(out)])
    assert result.exit_code == 0, result.output
    plots = sorted(p.name for p in (out / "assets" / "plots").glob("*-pareto-rtf-*.svg"))
    assert plots, "no quality-vs-real-time-factor plot"
    assert "real-time factor" in (out / "assets" / "plots" / plots[0]).read_text()


def test_conditional_accuracy_reads_the_digit_each_clip_was_asked_for(tmp_path):
    prompts = tmp_path / "digits.txt"
    prompts.write_text((REPO / "suites" / "prompts" / "digits.txt").read_text())
    spec = suite(
        [{"name": "replay", "adapter": "replay"}, {"name": "noise", "adapter": "noise"}],
        name="audio-conditional",
        metrics=["cond-accuracy"],
        prompts="digits.txt",
    )
    scores = quality(run(tmp_path, spec))
    label = "cond-acc[spoken-digits-cnn]"
    assert scores["replay"][label]["value"] > 0.8  # real clips of the digits asked for
    assert scores["noise"][label]["value"] < 0.4  # noise cannot be asked for a digit


def test_int16_and_float32_wav_files_of_the_same_clips_score_the_same(tmp_path):
    clips = DATASETS.get("spoken-digits")().load("test").waveforms
    for name, dtype, chosen in (
        ("real", "int16", clips[:40]),
        ("fake16", "int16", clips[40:80]),
        ("fake32", "float32", clips[40:80]),
    ):
        (tmp_path / name).mkdir()
        for i, clip in enumerate(chosen):
            # int16 first: the float32 files hold exactly what the int16 ones do
            exact = torch.round(clip * 32768).clamp(-32768, 32767) / 32768
            write_wav(tmp_path / name / f"{i:03d}.wav", exact, 8000, dtype=dtype)

    def scored(fake: str) -> dict:
        result = runner.invoke(
            app,
            ["score", "audio", str(tmp_path / "real"), str(tmp_path / fake), "--json"],
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    sixteen, thirty_two = scored("fake16"), scored("fake32")
    assert sixteen["fd"]["label"] == FD
    assert sixteen == thirty_two
