"""Conditional suites end to end: prompts reach the models that take labels, metrics read
each sample's prompt, and suite errors about prompts name the file and line."""

from __future__ import annotations

import pytest

from benchbench.report.summary import summarize_run
from benchbench.run.driver import run_suite
from benchbench.run.plan import plan_cells
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from benchbench.suite.prompts import DIGIT_WORDS
from tests.support.suites import noise_suite

PROMPTS = "\n".join(f"a handwritten {word}" for word in DIGIT_WORDS)


def conditional_suite(tmp_path, write_suite, **overrides):
    (tmp_path / "prompts.txt").write_text(PROMPTS + "\n")
    suite = noise_suite(
        models=[
            {"name": "steerable", "adapter": "tests.support.fake_models:digits_of_class"},
            {"name": "unconditional", "adapter": "tests.support.fake_models:real_digits"},
        ],
        metrics=["fd", "cond-accuracy", "clip-score", "prompt-diversity"],
        prompts="prompts.txt",
        sampling={"num_samples": 200, "batch_size": 50},
        bootstrap={"resamples": 100},
    )
    suite.update(overrides)
    return write_suite(suite)


@pytest.mark.slow
def test_steerable_model_follows_prompts_and_unconditional_scores_chance(tmp_path, write_suite):
    loaded = load_suite(conditional_suite(tmp_path, write_suite))
    with Store(tmp_path / "r.duckdb") as store:
        rows = summarize_run(store, run_suite(loaded, store).run_id)
    quality = {row.model: row.quality for row in rows}
    steer, uncond = quality["steerable"], quality["unconditional"]
    accuracy, clip = "cond-acc[digits-cnn]", "CLIPScore[digits-clip]"
    # digits-cnn reads 99.4% of held-out digits right; the oracle draws training digits.
    assert steer[accuracy].value >= 0.97
    assert abs(uncond[accuracy].value - 0.1) < 0.08  # 200 samples: 2 s.e. ≈ 0.04
    assert steer[accuracy].ci_low > uncond[accuracy].ci_high
    assert steer[clip].ci_low > uncond[clip].ci_high
    # Samples that ignore the prompt spread over every digit: more within-prompt variety.
    diversity = "prompt-div[digits-cnn]"
    assert uncond[diversity].ci_low > steer[diversity].ci_high


def test_prompts_change_the_cell_keys(tmp_path, write_suite):
    first = [c.key for c in plan_cells(load_suite(conditional_suite(tmp_path, write_suite)), "cpu")]
    (tmp_path / "prompts.txt").write_text("a handwritten seven\n")
    second = [c.key for c in plan_cells(load_suite(tmp_path / "suite.yaml"), "cpu")]
    assert set(first).isdisjoint(second)


def test_bad_prompt_file_is_a_suite_error_with_its_line(tmp_path, write_suite):
    path = conditional_suite(tmp_path, write_suite)
    (tmp_path / "prompts.txt").write_text("a handwritten seven\na cat\n")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert "prompts: invalid prompt file" in str(info.value)
    assert "prompts.txt:2: names no class" in str(info.value)


def test_conditional_metrics_need_prompts(tmp_path, write_suite):
    path = conditional_suite(tmp_path, write_suite, prompts=None)
    with pytest.raises(SuiteError, match="metric 'cond-accuracy' needs prompts"):
        load_suite(path)
