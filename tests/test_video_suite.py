"""Video suites end to end through `bench run`: the baselines, hostile models (NaN, inf,
0..255, uint8, no time axis, a missing or wrong frame rate, another clip length or rate
than the reference) as failed cells with their reason, frames/s and the stored preview,
strip and clips, cells reused on a rerun."""

from __future__ import annotations

import io

import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.store.runs import Store
from tests.support.suites import problems_of, video_suite
from tests.support.video_models import registered_motion_frames

runner = CliRunner()
GOOD = ("replay", "frozen", "shuffled", "noise", "square")


def model(name: str, **extra) -> dict:
    return {"name": name, "adapter": f"tests.support.video_models:{name}", **extra}


HOSTILE = {
    "with_nan": "returned NaN or infinite pixels",
    "with_inf": "returned NaN or infinite pixels",
    "as_255": "returned pixels in [0, 255], expected [0, 1]",
    "as_uint8": "returned dtype torch.uint8, expected floating point in [0, 1]",
    "one_frame_image": "returned shape (4, 1, 32, 32), expected [4, frames, 1 or 3, H, W]",
    "zero_rate": "declares frame_rate 0; a video model must set `frame_rate`",
    "fractional_rate": "declares frame_rate 7.5",
    "no_rate": "declares frame_rate None",
    "short": "the clips are 8 frames at 8 fps, but the reference moving-digits/test@",
    "at_24fps": "the clips are 16 frames at 24 fps, but the reference moving-digits/test@",
}


@pytest.fixture(scope="module")
def run_db(tmp_path_factory):
    """One run of the baselines, a good test model and every hostile one, scored by FD
    and FD-frames on the test extractor."""
    folder = tmp_path_factory.mktemp("video-run")
    path = folder / "suite.yaml"
    models = [
        {"name": "replay", "adapter": "video-replay"},
        {"name": "frozen", "adapter": "video-frozen"},
        {"name": "shuffled", "adapter": "video-shuffled"},
        {"name": "noise", "adapter": "video-noise"},
        model("square"),
        *(model(name) for name in HOSTILE),
    ]
    with registered_motion_frames() as features:
        suite = video_suite(models, features=features, metrics=["fd", "fd-frames"])
        path.write_text(yaml.safe_dump(suite, sort_keys=False))
        db = folder / "bench.duckdb"
        result = runner.invoke(app, ["run", str(path), "--db", str(db)])
        assert result.exit_code == 1, result.output  # the hostile cells fail, the run goes on
        yield path, db, result.output


def test_hostile_batches_fail_their_cell_with_the_reason_and_the_run_goes_on(run_db):
    _, db, _ = run_db
    with Store(db, read_only=True) as store:
        cells = store.query("SELECT model_name, status, error FROM cells")
    status = dict(zip(cells["model_name"], cells["status"], strict=True))
    errors = dict(zip(cells["model_name"], cells["error"], strict=True))
    for name, reason in HOSTILE.items():
        assert status[name] == "failed", name
        assert reason in errors[name], errors[name]
        if name not in ("short", "at_24fps"):  # those fail when scored, against the reference
            assert f"model '{name}' (tests.support.video_models:{name})" in errors[name]
    assert {status[name] for name in GOOD} == {"complete"}


def test_the_run_table_prints_samples_per_s_and_frames_per_s(run_db):
    _, _, output = run_db
    assert "samples/s" in output and "frames/s" in output


def test_complete_cells_store_frames_per_s_an_animated_preview_and_a_strip(run_db):
    _, db, _ = run_db
    with Store(db, read_only=True) as store:
        rates = store.query(
            "SELECT c.model_name, m.value, s.value AS per_s FROM cells c "
            "JOIN measurements m ON m.cell_id = c.cell_id AND m.metric = 'frames_per_s' "
            "JOIN measurements s ON s.cell_id = c.cell_id AND s.metric = 'samples_per_s'"
        )
        stored = store.query(
            "SELECT a.name, a.content FROM artifacts a JOIN cells c "
            "ON a.cell_id = c.cell_id WHERE c.model_name = 'replay' ORDER BY a.name"
        )
    assert set(rates["model_name"]) == set(GOOD)
    assert (rates["value"] == rates["per_s"] * 16).all()
    assert list(stored["name"]) == ["frames.png", "preview.gif", "samples.npz"]
    with Image.open(io.BytesIO(bytes(stored["content"][1]))) as gif:
        assert gif.n_frames == 16


def test_fd_sees_motion_and_fd_frames_does_not(run_db):
    _, db, _ = run_db
    with Store(db, read_only=True) as store:
        rows = store.query(
            "SELECT c.model_name, m.metric, m.label, m.value FROM cells c JOIN measurements m "
            "ON m.cell_id = c.cell_id WHERE m.metric IN ('fd', 'fd-frames')"
        )
    assert set(rows["label"]) == {"FD[test-motion-frames]", "FD-frames[test-motion-frames]"}
    value = {(r.model_name, r.metric): r.value for r in rows.itertuples()}
    for corrupted in ("frozen", "shuffled"):
        assert value[(corrupted, "fd")] > 5 * value[("replay", "fd")]
    # shuffled clips hold the very frames of the replayed clips, in another order
    assert value[("shuffled", "fd-frames")] == pytest.approx(value[("replay", "fd-frames")])


def test_a_second_run_reuses_every_complete_cell(run_db):
    path, db, _ = run_db
    result = runner.invoke(app, ["run", str(path), "--db", str(db), "-q"])
    assert result.exit_code == 1, result.output
    with Store(db, read_only=True) as store:
        runs = store.query("SELECT run_id FROM runs ORDER BY started_at")["run_id"]
        reused = store.query(
            "SELECT count(*) AS n FROM run_cells WHERE run_id = ? AND reused", [runs.iloc[-1]]
        )
    assert int(reused["n"][0]) == len(GOOD)


def test_an_audio_model_on_a_video_reference_is_refused_before_anything_runs(write_suite):
    path = write_suite(video_suite([{"name": "a", "adapter": "tests.support.audio_models:tone"}]))
    result = runner.invoke(app, ["run", str(path), "--db", str(path.parent / "x.duckdb")])
    assert result.exit_code == 2
    assert "makes audio, but the reference dataset 'moving-digits' holds video" in result.output
    assert not (path.parent / "x.duckdb").exists()


def test_fd_frames_on_an_extractor_without_per_frame_features_is_refused(write_suite):
    suite = video_suite(
        [{"name": "replay", "adapter": "video-replay"}],
        features="i3d-kinetics400",
        metrics=["fd", "fd-frames"],
    )
    (problem,) = problems_of(write_suite, suite)
    assert "metric 'fd-frames' needs the extractor's frame_features" in problem
    assert "'i3d-kinetics400' does not make (it makes features)" in problem
