"""Quality in a run: FD/KD on digits-cnn features separate data-like samples from noise."""

from __future__ import annotations

import json

from benchbench.report.summary import summarize_run
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.suites import noise_suite


def test_oracle_scores_near_zero_and_noise_scores_far(write_suite, tmp_path):
    models = [
        {"name": "oracle", "adapter": "tests.support.fake_models:real_digits"},
        {"name": "noise", "adapter": "tests.support.fake_models:noise"},
    ]
    suite = noise_suite(
        models=models,
        metrics=["fd", "kd"],
        sampling={"num_samples": 256, "batch_size": 128},
        bootstrap={"resamples": 50},
    )
    with Store(tmp_path / "b.duckdb") as store:
        result = run_suite(load_suite(write_suite(suite)), store)
        rows = {row.model: row for row in summarize_run(store, result.run_id)}
        signature = json.loads(
            store.query("SELECT signature FROM measurements WHERE metric = 'fd' LIMIT 1")[
                "signature"
            ][0]
        )
    oracle, noise = rows["oracle"].quality, rows["noise"].quality
    assert set(oracle) == {"FD[digits-cnn]", "KD[digits-cnn]"}
    for label in oracle:
        assert oracle[label].ci_low <= oracle[label].value <= oracle[label].ci_high
        assert noise[label].value > 10 * max(oracle[label].value, oracle[label].ci_high)
    assert signature["features"]["name"] == "digits-cnn"
    assert len(signature["features"]["weights_sha256"]) == 64
    assert signature["reference"].startswith("digits/test@")
    assert signature["n_fake"] == 256 and signature["n_real"] == 355
