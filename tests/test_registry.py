"""The registry: lazy targets, type checks, duplicates, suggestions, entry points."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from benchbench.adapters import ADAPTERS, resolve_adapter
from benchbench.adapters.base import Adapter
from benchbench.registry import Registry, RegistryError, UnknownNameError, load_target
from tests.support import REPO
from tests.support.suites import noise_suite

PLUGIN = '''
import torch
from pydantic import Field
from benchbench.adapters.base import Adapter, NoParams


class GreyParams(NoParams):
    level: float = Field(0.5, ge=0, le=1)


class GreyAdapter(Adapter):
    """Constant grey images: a third-party family added through an entry point."""
    family = "grey"
    Params = GreyParams
    requires_weights = False

    @classmethod
    def load(cls, weights, device):
        return cls(device)

    def sample(self, n, generator, level=0.5):
        return torch.full((n, 1, 8, 8), level, device=self.device)
'''


@pytest.fixture
def plugin_dir(tmp_path):
    """An installed-looking distribution declaring a ``benchbench.adapters`` entry point."""
    (tmp_path / "greyplugin.py").write_text(PLUGIN)
    dist = tmp_path / "greyplugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: greyplugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[benchbench.adapters]\ngrey = greyplugin:GreyAdapter\n")
    return tmp_path


def test_builtins_resolve_lazily_to_adapter_classes():
    assert {"gan", "vae", "diffusion", "autoregressive"} <= set(ADAPTERS.names())
    for name in ("gan", "vae", "diffusion", "autoregressive"):
        cls = ADAPTERS.get(name)
        assert issubclass(cls, Adapter) and cls.family == name


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownNameError) as info:
        ADAPTERS.get("vea")
    assert info.value.suggestion == "vae"
    assert "Did you mean 'vae'?" in str(info.value)


def test_duplicates_bad_names_and_wrong_types_are_rejected():
    registry: Registry[type[Adapter]] = Registry("adapter", base=Adapter)
    registry.register("mine", "tests.support.fake_models:noise")
    with pytest.raises(RegistryError, match="already registered"):
        registry.register("mine", "tests.support.fake_models:noise")
    with pytest.raises(RegistryError, match="invalid adapter name"):
        registry.register("My Adapter", "x:y")
    with pytest.raises(RegistryError, match="is not a Adapter"):
        registry.get("mine")  # a function is not an Adapter subclass


def test_load_target_errors_are_specific():
    with pytest.raises(RegistryError, match="not of the form"):
        load_target("no_colon")
    with pytest.raises(RegistryError, match="cannot import module"):
        load_target("no_such_module_xyz:f")
    assert load_target("tests.support.fake_models:noise").__name__ == "noise"


def test_function_target_becomes_an_adapter_with_declared_params():
    cls = resolve_adapter("tests.support.fake_models:noise")
    assert cls.family == "test-noise"
    assert set(cls.Params.model_fields) == {"brightness", "size"}
    adapter = cls.load(None, torch.device("cpu"))
    out = adapter.sample(3, torch.Generator().manual_seed(0), brightness=0.5, size=4)
    assert out.shape == (3, 1, 4, 4) and float(out.max()) <= 0.5


def test_entry_point_adapter_is_found(plugin_dir, monkeypatch):
    monkeypatch.syspath_prepend(str(plugin_dir))
    registry: Registry[type[Adapter]] = Registry(
        "adapter", base=Adapter, entry_point_group="benchbench.adapters"
    )
    assert "grey" in registry.names()
    cls = registry.get("grey")
    assert cls.family == "grey"
    assert registry.origin("grey") == "entry point benchbench.adapters of greyplugin"


@pytest.mark.slow
def test_entry_point_adapter_runs_in_a_suite(plugin_dir, tmp_path):
    """End to end in a fresh process: `bench run` finds the plug-in family by its name."""
    import yaml

    suite = noise_suite(
        models=[{"name": "g", "adapter": "grey", "params": {"level": [0.25, 0.75]}}]
    )
    path = tmp_path / "grey.yaml"
    path.write_text(yaml.safe_dump(suite))
    env_path = f"{plugin_dir}:{REPO}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchbench",
            "run",
            str(path),
            "--db",
            str(tmp_path / "b.duckdb"),
            "-q",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": env_path},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "2 cells run" in result.stdout
    assert "grey" in result.stdout  # the family column of the results table
