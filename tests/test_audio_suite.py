"""Audio suites end to end through `bench run`: the baselines, hostile models (NaN, inf,
out of range, wrong shape, int16, a missing or wrong sample rate) as failed cells with
their reason, the real-time factor and the stored clips, cells reused on a rerun."""

from __future__ import annotations

import io

import numpy as np
import pytest
import yaml
from scipy.io import wavfile
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.store.runs import Store
from tests.support.suites import audio_suite, problems_of

runner = CliRunner()


def model(name: str, fn: str | None = None, **extra) -> dict:
    return {"name": name, "adapter": f"tests.support.audio_models:{fn or name}", **extra}


HOSTILE = {
    "with_nan": "returned NaN or infinite audio samples",
    "with_inf": "returned NaN or infinite audio samples",
    "too_loud": "expected [-1, 1]",
    "stereo": "returned shape (4, 2, 4096), expected [4, 1, samples] (mono clips)",
    "as_int16": "returned dtype torch.int16, expected floating point in [-1, 1]",
    "zero_rate": "declares sample_rate 0; an audio model must set `sample_rate`",
    "fractional_rate": "declares sample_rate 16000.5",
    "no_rate": "declares sample_rate None",
}


@pytest.fixture(scope="module")
def run_db(tmp_path_factory):
    """One run of the baselines, a good test model and every hostile one."""
    folder = tmp_path_factory.mktemp("audio-run")
    path = folder / "suite.yaml"
    models = [
        {"name": "replay", "adapter": "replay"},
        {"name": "noise", "adapter": "noise", "params": {"level": [0.05, 0.5]}},
        model("tone"),
        model("at_16k"),
        *(model(name) for name in HOSTILE),
    ]
    path.write_text(yaml.safe_dump(audio_suite(models), sort_keys=False))
    db = folder / "bench.duckdb"
    result = runner.invoke(app, ["run", str(path), "--db", str(db)])
    assert result.exit_code == 1, result.output  # the hostile cells fail, the run goes on
    return path, db, result.output


def test_hostile_batches_fail_their_cell_with_the_reason_and_the_run_goes_on(run_db):
    _, db, _ = run_db
    with Store(db, read_only=True) as store:
        cells = store.query("SELECT model_name, status, error FROM cells")
    status = dict(zip(cells["model_name"], cells["status"], strict=True))
    errors = dict(zip(cells["model_name"], cells["error"], strict=True))
    for name, reason in HOSTILE.items():
        assert status[name] == "failed", name
        assert f"model '{name}' (tests.support.audio_models:{name})" in errors[name]
        assert reason in errors[name], errors[name]
    assert {status[name] for name in ("replay", "noise", "tone", "at_16k")} == {"complete"}


def test_the_run_table_prints_samples_per_s_and_the_real_time_factor(run_db):
    _, _, output = run_db
    assert "real-time factor" in output and "samples/s" in output


def test_complete_cells_store_the_real_time_factor_and_playable_clips(run_db):
    _, db, _ = run_db
    with Store(db, read_only=True) as store:
        rows = store.query(
            "SELECT c.model_name, m.value, s.value AS per_s FROM cells c "
            "JOIN measurements m ON m.cell_id = c.cell_id AND m.metric = 'real_time_factor' "
            "JOIN measurements s ON s.cell_id = c.cell_id AND s.metric = 'samples_per_s'"
        )
        stored = store.query(
            "SELECT a.name, a.media_type, a.content FROM artifacts a JOIN cells c "
            "ON a.cell_id = c.cell_id WHERE c.model_name = 'at_16k' ORDER BY a.name"
        )
    assert set(rows["model_name"]) == {"replay", "noise", "tone", "at_16k"}
    np.testing.assert_allclose(rows["value"], rows["per_s"] * 4096 / 8000)  # 0.512 s clips
    assert list(stored["name"]) == [
        *(f"sample-{i}.wav" for i in range(4)),
        "samples.npz",
        "spectrograms.png",
    ]
    rate, pcm = wavfile.read(io.BytesIO(bytes(stored["content"][0])))
    assert (rate, pcm.dtype, pcm.shape) == (16000, np.int16, (8192,))  # the model's own rate


def test_a_second_run_reuses_every_complete_cell(run_db):
    path, db, _ = run_db
    result = runner.invoke(app, ["run", str(path), "--db", str(db), "-q"])
    assert result.exit_code == 1, result.output
    with Store(db, read_only=True) as store:
        runs = store.query("SELECT run_id FROM runs ORDER BY started_at")["run_id"]
        reused = store.query(
            "SELECT count(*) AS n FROM run_cells WHERE run_id = ? AND reused", [runs.iloc[-1]]
        )
    assert int(reused["n"][0]) == 5  # replay, two noise levels, tone, at_16k


def test_an_image_model_on_an_audio_reference_is_refused_before_anything_runs(write_suite):
    path = write_suite(audio_suite([{"name": "img", "adapter": "tests.support.fake_models:noise"}]))
    result = runner.invoke(app, ["run", str(path), "--db", str(path.parent / "x.duckdb")])
    assert result.exit_code == 2
    assert "makes image, but the reference dataset 'spoken-digits' holds audio" in result.output
    assert not (path.parent / "x.duckdb").exists()


def test_an_image_extractor_on_an_audio_reference_is_refused_before_anything_runs(write_suite):
    suite = audio_suite([{"name": "n", "adapter": "noise"}], features="digits-cnn", metrics=["fd"])
    path = write_suite(suite)
    result = runner.invoke(app, ["run", str(path), "--db", str(path.parent / "x.duckdb")])
    assert result.exit_code == 2
    assert "extractor 'digits-cnn' embeds image, but the reference dataset" in result.output
    assert "choose one that embeds audio: panns-cnn14, spoken-digits-cnn, vggish" in result.output
    assert not (path.parent / "x.duckdb").exists()


def test_more_denoising_steps_than_the_model_was_trained_with_are_refused(write_suite):
    model = {
        "name": "dw",
        "adapter": "diffwave",
        "weights": "zoo:diffwave-digits",
        "params": {"steps": [5, 201, 500]},
    }
    problems = problems_of(write_suite, audio_suite([model]))
    fit = [p for p in problems if "diffusion steps" in p]
    assert len(fit) == 2  # 201 and 500, each said once; 5 fits
    assert (
        "models[0].params.steps: steps=201: this model was trained with 200 diffusion steps"
        in fit[0]
    )


def test_a_metric_needing_what_the_extractor_does_not_make_is_refused(write_suite):
    """IS and cond-accuracy read class logits; PANNs CNN14 gives features only here."""
    suite = audio_suite(
        [{"name": "n", "adapter": "noise"}], features="panns-cnn14", metrics=["fd", "is"]
    )
    (problem,) = problems_of(write_suite, suite)
    assert "metrics[1]: metric 'is' needs the extractor's logits, which 'panns-cnn14'" in problem
