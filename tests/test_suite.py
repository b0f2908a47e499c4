"""Suite schema: every kind of bad input names the file, line and field."""

from __future__ import annotations

import pytest

from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from benchbench.suite.schema import sweep
from tests.support import REPO
from tests.support.suites import VALID, problems_of


def test_valid_suite_loads_and_sweeps(write_suite):
    loaded = load_suite(write_suite(VALID))
    assert loaded.suite.models[0].params == {"brightness": [0.5, 1.0]}
    assert len(loaded.suite_hash) == 16


def test_shipped_suites_are_valid():
    for name in ("image", "quick"):
        assert load_suite(REPO / "suites" / f"{name}.yaml").suite.name == name


def test_sweep_is_the_cartesian_product_in_file_order():
    assert sweep({"a": [1, 2], "b": "x", "c": [True, False]}) == [
        {"a": 1, "b": "x", "c": True},
        {"a": 1, "b": "x", "c": False},
        {"a": 2, "b": "x", "c": True},
        {"a": 2, "b": "x", "c": False},
    ]
    assert sweep({}) == [{}]


def test_unknown_top_level_key_has_line_and_suggestion(write_suite):
    (problem,) = problems_of(write_suite, VALID.replace("device: cpu", "devise: cpu"))
    assert "suite.yaml:2: devise: unknown field 'devise'; did you mean 'device'?" in problem


def test_unknown_nested_key(write_suite):
    text = VALID.replace("  batch_size: 4", "  batch_size: 4\n  num_sample: 3")
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:10: sampling.num_sample: unknown field 'num_sample'" in problem
    assert "did you mean 'num_samples'?" in problem


def test_wrong_type_names_line_and_value(write_suite):
    (problem,) = problems_of(write_suite, VALID.replace("num_samples: 8", "num_samples: many"))
    assert "suite.yaml:8: sampling.num_samples:" in problem
    assert "'many'" in problem


def test_missing_field_points_at_parent(write_suite):
    text = VALID.replace("  batch_size: 4\n", "")
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:7: sampling.batch_size: required field is missing" in problem


def test_model_resources_are_validated_with_lines(write_suite):
    ok = VALID + "    resources: {num_cpus: 2, num_gpus: 0.5, memory: 1000000000}\n"
    resources = load_suite(write_suite(ok)).suite.models[0].resources
    assert (resources.num_cpus, resources.num_gpus, resources.memory) == (2, 0.5, 10**9)
    assert load_suite(write_suite(VALID)).suite.models[0].resources.num_cpus == 1  # default
    bad = VALID + "    resources:\n      num_cpus: 0\n      num_gpu: 1\n"
    first, second = problems_of(write_suite, bad)
    assert "suite.yaml:16: models[0].resources.num_cpus: Input should be greater than 0" in first
    assert "suite.yaml:17: models[0].resources.num_gpu: unknown field 'num_gpu'" in second
    assert "did you mean 'num_gpus'?" in second


def test_unknown_adapter_suggests_close_name(write_suite):
    text = VALID.replace(
        "adapter: tests.support.fake_models:noise", "adapter: difusion\n    weights: x"
    )
    problems = problems_of(write_suite, text)
    assert any(
        "suite.yaml:12: models[0].adapter: unknown adapter 'difusion'. Did you mean 'diffusion'?"
        in p
        for p in problems
    ), problems


def test_unimportable_callable_adapter(write_suite):
    (problem,) = problems_of(write_suite, VALID.replace("fake_models:noise", "fake_models:nope"))
    assert "suite.yaml:12: models[0].adapter:" in problem
    assert "has no attribute 'nope'" in problem


def test_unknown_metric_suggests(write_suite):
    (problem,) = problems_of(write_suite, VALID.replace("metrics: []", "metrics: [fd, precison]"))
    assert (
        "suite.yaml:6: metrics[1]: unknown metric 'precison'. Did you mean 'precision'?" in problem
    )


def test_unknown_dataset_and_split(write_suite):
    problems = problems_of(write_suite, VALID.replace("dataset: digits", "dataset: digit"))
    assert any("suite.yaml:4: reference.dataset: unknown dataset 'digit'" in p for p in problems)
    (problem,) = problems_of(write_suite, VALID.replace("split: test", "split: val"))
    assert "suite.yaml:5: reference.split: dataset 'digits' has no split 'val'" in problem


def test_missing_weights_file(write_suite):
    text = VALID.replace(
        "adapter: tests.support.fake_models:noise\n    params:\n      brightness: [0.5, 1.0]\n",
        "adapter: gan\n    weights: checkpoints/missing.pt\n",
    )
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:13: models[0].weights: weights 'checkpoints/missing.pt' not found" in problem
    assert "checkpoints/missing.pt" in problem


def test_unknown_zoo_model_suggests(write_suite):
    text = VALID.replace(
        "adapter: tests.support.fake_models:noise\n    params:\n      brightness: [0.5, 1.0]\n",
        "adapter: gan\n    weights: zoo:dcgan-digit\n",
    )
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:13: models[0].weights: unknown zoo model 'dcgan-digit'" in problem
    assert "Did you mean 'dcgan-digits'?" in problem


def test_adapter_needing_weights_without_them(write_suite):
    text = VALID.replace(
        "adapter: tests.support.fake_models:noise\n    params:\n      brightness: [0.5, 1.0]\n",
        "adapter: vae\n",
    )
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:11: models[0]: adapter 'vae' needs 'weights'" in problem


def test_bad_param_value_inside_a_sweep(write_suite):
    (problem,) = problems_of(write_suite, VALID.replace("[0.5, 1.0]", "[0.5, bright]"))
    assert "suite.yaml:14: models[0].params.brightness:" in problem
    assert "'bright'" in problem


def test_unknown_param_suggests_declared_one(write_suite):
    (problem,) = problems_of(write_suite, VALID.replace("brightness:", "brightnes:"))
    assert "suite.yaml:14: models[0].params.brightnes: unknown field 'brightnes'" in problem
    assert "did you mean 'brightness'?" in problem


def test_declared_param_constraints_of_builtin_adapter(write_suite):
    text = VALID.replace(
        "adapter: tests.support.fake_models:noise\n    params:\n      brightness: [0.5, 1.0]\n",
        "adapter: diffusion\n    weights: zoo:ddpm-digits\n    params:\n      steps: [10, 0]\n"
        "      sampler: ddim\n",
    )
    (problem,) = problems_of(write_suite, text)
    assert (
        "suite.yaml:15: models[0].params.steps: Input should be greater than or equal to 1"
        in problem
    )


def test_more_steps_than_the_scheduler_was_trained_with(write_suite, tmp_path):
    unet = tmp_path / "unet100"
    unet.mkdir()
    (unet / "config.json").write_text("{}")  # validation reads the layout, not the UNet
    (unet / "scheduler_config.json").write_text('{"num_train_timesteps": 100}')
    text = VALID.replace(
        "adapter: tests.support.fake_models:noise\n    params:\n      brightness: [0.5, 1.0]\n",
        f"adapter: diffusion\n    weights: {unet}\n    params:\n      steps: [10, 100, 250]\n",
    )
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:15: models[0].params.steps: steps=250: this model was trained with 100" in (
        problem
    )


def test_duplicate_model_names(write_suite):
    text = VALID + "  - name: a\n    adapter: tests.support.fake_models:noise\n"
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:15: models[1].name: model name 'a' is already used by models[0]" in problem


def test_yaml_syntax_error_has_line(write_suite):
    (problem,) = problems_of(write_suite, VALID.replace("  split: test", "  split: [test"))
    assert "suite.yaml:" in problem and "invalid YAML" in problem


def test_duplicate_yaml_key(write_suite):
    (problem,) = problems_of(write_suite, VALID + "seed: 1\nseed: 2\n")
    assert "suite.yaml:16: key 'seed' appears twice" in problem


def test_several_problems_reported_together(write_suite):
    text = VALID.replace("device: cpu", "device: gpu").replace("num_samples: 8", "num_samples: -1")
    problems = problems_of(write_suite, text)
    assert len(problems) == 2
    assert any("suite.yaml:2: device:" in p for p in problems)
    assert any("suite.yaml:8: sampling.num_samples:" in p for p in problems)


def test_missing_suite_file(tmp_path):
    with pytest.raises(SuiteError, match="suite file not found"):
        load_suite(tmp_path / "nope.yaml")
