"""Running suites: skipping stored cells, failures, Ctrl-C and resume, reproducibility."""

from __future__ import annotations

import pytest

from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.suites import noise_suite


def count(store: Store, table: str) -> int:
    return int(store.query(f"SELECT count(*) AS n FROM {table}")["n"][0])


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "b.duckdb") as s:
        yield s


def test_cells_are_measured_stored_and_skipped_on_rerun(write_suite, store):
    loaded = load_suite(write_suite(noise_suite()))
    first = run_suite(loaded, store)
    assert (first.executed, first.skipped, first.failed, first.status) == (2, 0, 0, "complete")
    metrics = {m.metric for m in store.run_measurements(first.run_id)}
    assert {
        "samples_per_s",
        "latency_median_s",
        "latency_p90_s",
        "latency_p99_s",
        "timing_cv",
        "load_s",
        "first_batch_s",
        "cpu_peak_rss",
    } <= metrics
    phases = set(store.query("SELECT DISTINCT phase FROM timing_samples")["phase"])
    assert phases == {"load", "first", "steady"}
    rows = {t: count(store, t) for t in ("cells", "measurements", "timing_samples", "artifacts")}

    second = run_suite(loaded, store)
    assert (second.executed, second.skipped) == (0, 2)
    assert {t: count(store, t) for t in rows} == rows  # nothing duplicated
    cells = store.run_cells(second.run_id)
    assert [c.reused for c in cells] == [True, True]
    assert [c.cell_id for c in cells] == [c.cell_id for c in store.run_cells(first.run_id)]


def test_fresh_recomputes_and_same_seed_gives_same_samples(write_suite, store):
    loaded = load_suite(write_suite(noise_suite()))
    run_suite(loaded, store)
    again = run_suite(loaded, store, fresh=True)
    assert again.executed == 2
    hashes = store.query(
        "SELECT c.suite_params, a.sha256 FROM artifacts a JOIN cells c USING (cell_id) "
        "WHERE a.name = 'samples.npz' ORDER BY c.suite_params, c.started_at"
    )
    assert len(hashes) == 4
    by_params = hashes.groupby("suite_params")["sha256"].nunique()
    assert (by_params == 1).all()  # reruns reproduce the samples exactly
    assert hashes["sha256"].nunique() == 2  # and the two brightness values differ


def test_failing_cell_is_recorded_and_the_run_goes_on_then_resumes(write_suite, store, tmp_path):
    marker = tmp_path / "broken"
    marker.write_text("")
    models = [
        {
            "name": "flaky",
            "adapter": "tests.support.fake_models:fails_while",
            "params": {"marker": str(marker)},
        },
        {"name": "fine", "adapter": "tests.support.fake_models:noise"},
    ]
    loaded = load_suite(write_suite(noise_suite(models=models)))
    first = run_suite(loaded, store)
    assert (first.executed, first.failed, first.status) == (2, 1, "complete-with-failures")
    failed = store.query("SELECT model_name, error FROM cells WHERE status = 'failed'")
    assert list(failed["model_name"]) == ["flaky"]
    assert "RuntimeError: simulated failure" in failed["error"][0]
    assert count(store, "measurements") > 0  # the good cell's numbers are stored

    marker.unlink()  # the bug is fixed
    second = run_suite(loaded, store)
    assert (second.executed, second.skipped, second.failed) == (1, 1, 0)
    assert [c.status for c in store.run_cells(second.run_id)] == ["complete", "complete"]


def test_ctrl_c_keeps_completed_cells_and_next_run_resumes(write_suite, store, tmp_path):
    models = [
        {"name": "first", "adapter": "tests.support.fake_models:noise"},
        {"name": "second", "adapter": "tests.support.fake_models:interrupts"},
    ]
    path = write_suite(noise_suite(models=models))
    with pytest.raises(KeyboardInterrupt):
        run_suite(load_suite(path), store)
    runs = store.query("SELECT status FROM runs")
    assert list(runs["status"]) == ["interrupted"]
    assert list(store.query("SELECT model_name FROM cells")["model_name"]) == ["first"]

    models[1]["adapter"] = "tests.support.fake_models:noise"  # the user fixes the suite, runs again
    path = write_suite(noise_suite(models=models))
    resumed = run_suite(load_suite(path), store)
    assert (resumed.executed, resumed.skipped) == (1, 1)


def test_output_outside_unit_range_fails_the_cell_with_a_clear_error(write_suite, store):
    models = [{"name": "loud", "adapter": "tests.support.fake_models:wrong_range"}]
    result = run_suite(load_suite(write_suite(noise_suite(models=models))), store)
    assert result.failed == 1
    error = store.query("SELECT error FROM cells")["error"][0]
    assert "model 'loud' (tests.support.fake_models:wrong_range) returned pixels in" in error
    assert "expected [0, 1]" in error


def test_editing_a_param_reruns_only_that_cell(write_suite, store):
    run_suite(load_suite(write_suite(noise_suite())), store)
    changed = noise_suite(
        models=[
            {
                "name": "bright",
                "adapter": "tests.support.fake_models:noise",
                "params": {"brightness": [0.5, 0.9]},
            }
        ]
    )
    result = run_suite(load_suite(write_suite(changed)), store)
    assert (result.executed, result.skipped) == (1, 1)
