"""Hostile suites: every number out of bounds, every YAML hazard, every adapter or weights
file that cannot work is a problem naming file:line (and the field), before any cell runs."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from benchbench.nets.checkpoint import save_checkpoint
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from benchbench.suite.schema import MAX_SEED
from benchbench.suite.yamlsource import MAX_BYTES
from tests.support.suites import VALID, problems_of

# -- item 4: bounds on every number ------------------------------------------------------


@pytest.mark.parametrize(
    ("addition", "field", "fragment"),
    [
        ("seed: -1", "seed", "greater than or equal to 0"),
        (f"seed: {MAX_SEED + 1}", "seed", "less than or equal to 4294967295"),
        (f"seed: {2**63}", "seed", "less than or equal to"),  # past the store's BIGINT
        ("seed: true", "seed", "a whole number is expected (got True)"),
        ("seed: 7.0", "seed", "a whole number is expected (got 7.0)"),
        ("seed: 1e3", "seed", "valid integer (got '1e3')"),  # YAML 1.1 reads 1e3 as text
        ("bootstrap: {resamples: 1.0e+12}", "bootstrap.resamples", "whole number"),
        ("bootstrap: {resamples: 1e12}", "bootstrap.resamples", "valid integer"),
        ("bootstrap: {resamples: 10001}", "bootstrap.resamples", "less than or equal to 10000"),
        ("bootstrap: {confidence: .nan}", "bootstrap.confidence", "(got nan)"),
        ("timing: {min_seconds: .inf}", "timing.min_seconds", "less than or equal to 3600"),
        ("timing: {min_seconds: .nan}", "timing.min_seconds", "(got nan)"),
        ("timing: {min_seconds: -1}", "timing.min_seconds", "greater than or equal to 0"),
        ("timing: {min_seconds: true}", "timing.min_seconds", "not true/false"),
        ("timing: {warmup: 0}", "timing.warmup", "greater than or equal to 1"),
        ("timing: {warmup: 1001}", "timing.warmup", "less than or equal to 1000"),
        ("timing: {min_repeats: 100001}", "timing.min_repeats", "less than or equal to 100000"),
        ("timing: {max_repeats: 0}", "timing.max_repeats", "greater than or equal to 1"),
        ("timing: {min_repeats: 50, max_repeats: 10}", "timing.min_repeats", "exceeds max_repeats"),
        ("gate: {alpha: .nan}", "gate.alpha", "(got nan)"),
        ("gate: {alpha: 0}", "gate.alpha", "greater than 0"),
        ("gate: {tolerances: {samples_per_s: {rel: .inf}}}", "gate.tolerances", "finite number"),
        ("gate: {tolerances: {samples_per_s: {abs: -1}}}", "gate.tolerances", "greater than or"),
        ("max_cells: 0", "max_cells", "greater than or equal to 1"),
        ("max_cells: 1000001", "max_cells", "less than or equal to 1000000"),
    ],
)
def test_suite_numbers_out_of_bounds(write_suite, addition, field, fragment):
    (problem,) = problems_of(write_suite, VALID + addition + "\n")
    assert f"suite.yaml:15: {field}" in problem, problem
    assert fragment in problem, problem


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment"),
    [
        ("num_samples: 8", "num_samples: 0", "sampling.num_samples", "greater than 0"),
        ("num_samples: 8", "num_samples: 1000001", "sampling.num_samples", "less than or equal"),
        ("num_samples: 8", "num_samples: 8.0", "sampling.num_samples", "whole number"),
        ("num_samples: 8", "num_samples: true", "sampling.num_samples", "whole number"),
        ("batch_size: 4", "batch_size: 65537", "sampling.batch_size", "less than or equal"),
        ("batch_size: 4", "batch_size: -4", "sampling.batch_size", "greater than 0"),
        ("[0.5, 1.0]", "[0.5, true]", "models[0].params.brightness", "not true/false"),
        ("[0.5, 1.0]", "[0.5, .inf]", "models[0].params.brightness", "finite number"),
        ("[0.5, 1.0]", "[]", "models[0].params.brightness", "an empty list sweeps nothing"),
    ],
)
def test_sampling_and_params_out_of_bounds(write_suite, old, new, field, fragment):
    (problem,) = problems_of(write_suite, VALID.replace(old, new))
    assert f": {field}:" in problem and fragment in problem, problem
    assert "suite.yaml:" in problem


@pytest.mark.parametrize(
    ("resources", "field", "fragment"),
    [
        ("{num_cpus: .inf}", "num_cpus", "(got inf)"),
        ("{num_cpus: 1025}", "num_cpus", "less than or equal to 1024"),
        ("{num_gpus: 65}", "num_gpus", "less than or equal to 64"),
        ("{num_gpus: true}", "num_gpus", "not true/false"),
        ("{memory: 1.5}", "memory", "whole number"),
        (f"{{memory: {2**51}}}", "memory", "less than or equal to"),
    ],
)
def test_resources_out_of_bounds(write_suite, resources, field, fragment):
    (problem,) = problems_of(write_suite, VALID + f"    resources: {resources}\n")
    assert f"suite.yaml:15: models[0].resources.{field}:" in problem and fragment in problem


def test_builtin_adapter_params_are_whole_numbers(write_suite):
    text = VALID.replace(
        "adapter: tests.support.fake_models:noise\n    params:\n      brightness: [0.5, 1.0]\n",
        "adapter: diffusion\n    weights: zoo:ddpm-digits\n    params:\n      steps: [10, true]\n",
    )
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:15: models[0].params.steps: a whole number is expected (got True)" in problem


def test_largest_seed_runs_and_is_stored(write_suite, tmp_path):
    """The seed bound is the range every seeded part accepts: numpy's RandomState (KID
    subsets, IS splits) takes 32-bit seeds, and the store keeps the seed in a BIGINT."""
    np.random.RandomState(MAX_SEED)
    with pytest.raises(ValueError):
        np.random.RandomState(MAX_SEED + 1)
    loaded = load_suite(write_suite(VALID + f"seed: {MAX_SEED}\n"))
    with Store(tmp_path / "b.duckdb") as store:
        result = run_suite(loaded, store)
        seeds = store.query("SELECT DISTINCT seed FROM cells")["seed"].tolist()
    assert (result.executed, result.failed, seeds) == (2, 0, [MAX_SEED])


def test_large_sweep_needs_max_cells(write_suite):
    values = ", ".join(str(v / 1000) for v in range(1001))
    big = VALID.replace("[0.5, 1.0]", f"[{values}]")
    (problem,) = problems_of(write_suite, big)
    assert "suite.yaml:13: models[0].params: the suite plans 1,001 cells" in problem
    assert "confirm it with `max_cells: 1001`" in problem
    confirmed = load_suite(write_suite(big + "max_cells: 1001\n"))
    assert confirmed.suite.max_cells == 1001


def test_max_cells_is_left_out_of_the_suite_hash(write_suite):
    plain = load_suite(write_suite(VALID)).suite_hash
    assert load_suite(write_suite(VALID + "max_cells: 5000\n")).suite_hash == plain


def test_huge_sweep_is_refused_without_being_expanded(write_suite):
    """Ten params of 100 values are 10^20 combinations: counted, never listed."""
    sweeps = "".join(f"      p{i}: [{', '.join(['1'] * 100)}]\n" for i in range(10))
    start = time.monotonic()
    problems = problems_of(write_suite, VALID + sweeps)
    assert time.monotonic() - start < 5
    (problem,) = problems
    assert "suite.yaml:13: models[0].params: the suite plans 200,000,000,000,000,000,000" in problem
    assert "split it into suites of at most 1,000,000 cells" in problem


# -- item 5: YAML that cannot hurt --------------------------------------------------------


def one_problem(path) -> str:
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    (problem,) = info.value.problems
    return str(problem)


def billion_laughs() -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "suite.yaml:1: the file holds no YAML (it is empty or only comments)"),
        ("# a comment\n# another\n", "suite.yaml:1: the file holds no YAML"),
        ("- a\n- b\n", "suite.yaml:1: the file holds a list; a suite is a YAML mapping"),
        (billion_laughs(), "suite.yaml:6: this value holds more than 100,000 values once aliases"),
        ("a: &a [1, *a]\n", "suite.yaml:1: recursive alias"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "suite.yaml:3: merge keys (<<) are not supported"),
        ("name: !!python/object/apply:os.system [ls]\n", "suite.yaml:1: YAML tag 'python/object"),
        ("name: !foo x\n", "suite.yaml:1: YAML tag '!foo' is not allowed"),
        ("tags: !!set {a, b}\n", "suite.yaml:1: YAML tag 'set' is not allowed"),
        ("? [a, b]\n: 1\n", "suite.yaml:1: a list cannot be a key"),
        ("name: t\n{a: 1}: 2\n", "suite.yaml:2: a mapping cannot be a key"),
        ("name: t\ndescription: 2024-01-01\n", "suite.yaml:2: '2024-01-01' reads as a date"),
        ("name: t\ndescription: =\n", "suite.yaml:2: '=' is YAML's value key"),
        ("a: " + "[" * 40 + "]" * 40 + "\n", "suite.yaml:1: nested more than 32 levels deep"),
        (
            "name: t\nx: \x07\n",
            "suite.yaml:2: invalid YAML: special characters are not allowed (character U+0007)",
        ),
        ("name: t\nname: u\n", "suite.yaml:2: key 'name' appears twice"),
        ("name: [t\n", "suite.yaml:2: invalid YAML"),
    ],
)
def test_yaml_hazards_are_problems_with_lines(write_suite, text, expected):
    path = write_suite(text)
    start = time.monotonic()
    assert one_problem(path).startswith(f"{path.parent}/{expected}")  # file:line: once
    assert time.monotonic() - start < 2  # the alias bomb too: refused before expanding


def test_aliases_nesting_past_the_depth_limit(write_suite):
    inner = "[" * 20 + "1" + "]" * 20
    text = f"a: &a {inner}\nb: {'[' * 20}*a{']' * 20}\n"
    assert "suite.yaml:1: aliases nest this value more than 32 levels deep" in one_problem(
        write_suite(text)
    )


def test_small_anchors_and_aliases_still_work(write_suite):
    text = VALID.replace("sampling:\n", "sampling: &s\n") + "    sampling: *s\n"
    assert load_suite(write_suite(text)).suite.models[0].sampling.num_samples == 8


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name: t\ndescription: caf\xe9\n".encode("latin-1"), "suite.yaml:2: not UTF-8 text"),
        (b"name: t\n\x00\x01\x02binary", "suite.yaml:2: binary data (a NUL byte)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "suite.yaml:3: binary data"),
    ],
)
def test_non_utf8_and_binary_files(tmp_path, content, expected):
    path = tmp_path / "suite.yaml"
    path.write_bytes(content)
    assert expected in one_problem(path)


def test_directory_given_as_the_suite(tmp_path):
    (tmp_path / "image.yaml").write_text("name: x\n")
    assert f"{tmp_path}: is a directory, not a suite file (it holds image.yaml)" in one_problem(
        tmp_path
    )


def test_oversized_file_is_not_read(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text("# " + "x" * MAX_BYTES + "\n")
    assert "a YAML file here is at most 1 MiB" in one_problem(path)


# -- item 10: adapters that cannot be imported, weights that cannot be read ---------------


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """Write ``NAME.py`` into a folder on the import path; returns its ``NAME``."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(source)
        monkeypatch.delitem(__import__("sys").modules, name, raising=False)
        return name

    return write


@pytest.mark.parametrize(
    ("name", "source", "target", "expected"),
    [
        ("h10_syntax", "def f(n, g):\n    return (\n", "f", "SyntaxError: '(' was never closed"),
        ("h10_raises", "raise RuntimeError('no GPU here')\n", "f", "RuntimeError: no GPU here"),
        ("h10_exits", "import sys\nsys.exit(0)\n", "f", "SystemExit: 0"),
        ("h10_attr", "x = 1\n", "missing", "module 'h10_attr' has no attribute 'missing'"),
        ("h10_value", "x = 1\n", "x", "is neither an Adapter subclass nor a sampling function"),
        ("h10_ref", "def f(n, g, s: 'Nowhere' = 1):\n    pass\n", "f", "NameError"),
        ("h10_builtin", "from math import hypot as f\n", "f", "cannot read its signature"),
    ],
)
def test_adapters_that_cannot_load_are_problems(
    write_suite, user_module, name, source, target, expected
):
    user_module(name, source)
    text = VALID.replace("adapter: tests.support.fake_models:noise", f"adapter: {name}:{target}")
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:12: models[0].adapter:" in problem and expected in problem, problem


def gan_suite(weights: str) -> str:
    return VALID.replace(
        "adapter: tests.support.fake_models:noise\n    params:\n      brightness: [0.5, 1.0]\n",
        f"adapter: gan\n    weights: {weights}\n",
    )


def checkpoint(path, **changes) -> None:
    """A valid dcgan checkpoint's envelope with ``changes`` applied (None removes a key)."""
    from benchbench.nets import NETS

    config = {"z_dim": 8, "width": 4}
    net = NETS.get("dcgan-generator")(**config)
    save_checkpoint(path, net, "dcgan-generator", config)
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save({k: v for k, v in payload.items() if v is not None}, path)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "is a directory; a benchbench checkpoint is one file"),
        (lambda p: p.write_bytes(b"\x00garbage" * 100), "cannot read"),
        (lambda p: checkpoint(p, arch=None), "lacks a valid arch"),
        (lambda p: checkpoint(p, config=None), "lacks a valid config"),
        (lambda p: checkpoint(p, arch="dcgan-generater"), "Did you mean 'dcgan-generator'?"),
        (lambda p: checkpoint(p, config={"z_dims": 8}), "does not fit architecture"),
        (
            lambda p: torch.save({"weights": torch.zeros(2)}, p),
            "is not a benchbench.checkpoint/1",
        ),
    ],
)
def test_unusable_weights_are_problems_before_any_cell(write_suite, tmp_path, make, expected):
    make(tmp_path / "model.pt")
    (problem,) = problems_of(write_suite, gan_suite("model.pt"))
    assert "suite.yaml:13: models[0].weights:" in problem and expected in problem, problem


def test_valid_user_checkpoint_passes_the_check(write_suite, tmp_path):
    checkpoint(tmp_path / "model.pt")
    assert load_suite(write_suite(gan_suite("model.pt"))).suite.models[0].weights == "model.pt"


def test_diffusion_weights_that_are_a_file(write_suite, tmp_path):
    (tmp_path / "unet.pt").write_bytes(b"not a directory")
    text = gan_suite("unet.pt").replace("adapter: gan", "adapter: diffusion")
    (problem,) = problems_of(write_suite, text)
    assert "suite.yaml:13: models[0].weights: diffusion weights must be a diffusers" in problem


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "is not a file"),
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "cannot read"),
        (lambda p: np.savez(p, order=np.array(3)), "lacks spelling, vocab"),
    ],
)
def test_ngram_weights_are_checked_from_the_archive_index(tmp_path, make, expected):
    from benchbench.adapters.text_ngram import NGramAdapter
    from benchbench.zoo import weights_path

    NGramAdapter.check_weights(weights_path("ngram-prose"))  # the zoo's model passes
    path = tmp_path / "model.npz"
    make(path)
    with pytest.raises((ValueError, OSError), match=expected):
        NGramAdapter.check_weights(path)
