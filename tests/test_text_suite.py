"""Text suites end to end: validation, every cell stored with token speed, and the
temperature sweep moving diversity the right way."""

from __future__ import annotations

import pytest

from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from tests.support.text_models import tiny_gpt


def text_suite(**overrides) -> dict:
    suite = {
        "name": "text-test",
        "seed": 0,
        "device": "cpu",
        "reference": {"dataset": "prose", "split": "heldout"},
        "metrics": ["bleu", "rouge-l", "perplexity-word", "distinct-2", "self-bleu"],
        "bootstrap": {"resamples": 20},
        "sampling": {"num_samples": 32, "batch_size": 16},
        "timing": {"warmup": 1, "min_repeats": 2, "min_seconds": 0.0},
        "models": [
            {
                "name": "trigram",
                "adapter": "ngram-lm",
                "weights": "zoo:ngram-prose",
                "params": {"temperature": [0.3, 2.0], "max_new_tokens": 12},
            }
        ],
    }
    suite.update(overrides)
    return suite


def test_image_metric_or_adapter_in_a_text_suite_is_a_clear_error(write_suite):
    bad = text_suite(
        metrics=["bleu", "fd"],
        models=[{"name": "g", "adapter": "gan", "weights": "zoo:dcgan-digits"}],
    )
    with pytest.raises(SuiteError) as info:
        load_suite(write_suite(bad))
    message = str(info.value)
    assert (
        "metrics[1]: metric 'fd' needs features, reference_features, which a suite on text"
        in message
    )
    assert "models[0].adapter: adapter 'gan' makes image" in message


def test_text_params_are_checked_with_file_and_line(write_suite):
    bad = text_suite()
    bad["models"][0]["params"] = {"temprature": 1.0}
    with pytest.raises(SuiteError, match=r"suite\.yaml:\d+: models\[0\]\.params\.temprature"):
        load_suite(write_suite(bad))


@pytest.mark.slow
def test_text_suite_stores_every_cell_with_token_speed(write_suite, tmp_path):
    gpt = tiny_gpt(tmp_path / "gpt", n_positions=64)
    suite = text_suite(
        models=[
            *text_suite()["models"],
            {
                "name": "tiny-gpt",
                "adapter": "hf-causal-lm",
                "weights": str(gpt),
                "params": {"max_new_tokens": 8, "num_beams": [1, 2], "temperature": 0.0},
            },
        ]
    )
    with Store(tmp_path / "b.duckdb") as store:
        result = run_suite(load_suite(write_suite(suite)), store)
        assert (result.executed, result.failed) == (4, 0), store.query("SELECT error FROM cells")
        rows = store.query("SELECT * FROM measurements")
        artifacts = store.query("SELECT name, meta FROM artifacts")
    assert set(artifacts["name"]) == {"samples.jsonl"}
    for metric in ("tokens_per_s", "ttft_median_s", "bleu", "perplexity-word", "self-bleu"):
        assert len(rows[rows["metric"] == metric]) == 4, metric
    by_cell = rows.pivot_table(index="cell_id", columns="metric", values="value")
    rate = by_cell["tokens_per_s"] / by_cell["samples_per_s"]
    assert sorted(rate.round(9).unique()) == [8.0, 12.0]  # max_new_tokens per sample
    trigram = rows.merge(store_cells(tmp_path), on="cell_id")
    trigram = trigram[trigram["model_name"] == "trigram"]
    values = trigram.pivot_table(index="temperature", columns="metric", values="value")
    assert values.loc[2.0, "distinct-2"] > values.loc[0.3, "distinct-2"]
    assert values.loc[2.0, "self-bleu"] < values.loc[0.3, "self-bleu"]
    # perplexity is the model's own: equal across its sampling temperatures
    assert values["perplexity-word"].nunique() == 1


def store_cells(tmp_path):
    import json

    with Store(tmp_path / "b.duckdb") as store:
        cells = store.query("SELECT cell_id, model_name, params FROM cells")
    cells["temperature"] = [json.loads(p)["temperature"] for p in cells["params"]]
    return cells[["cell_id", "model_name", "temperature"]]
