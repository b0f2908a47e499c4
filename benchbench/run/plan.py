"""From a validated suite to its cells: model × params combination, each with its key.

A cell's key hashes everything that determines its numbers, so a cell is recomputed
exactly when something that matters changed: the model's weights (by content) or, for
``init: random``, its architecture config, its params, the sampling and timing policy,
seed, device, reference data, feature extractor, metrics and their versions, the
prompts of a conditional suite, whether the roofline is counted, and the speed variant
(compile, memory format, autocast) when it is not plain eager.
Adding a model to a suite leaves the other cells' keys unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import benchbench
from benchbench.adapters import resolve_adapter
from benchbench.adapters.architectures import resolve_config
from benchbench.adapters.base import Adapter
from benchbench.adapters.weights import resolve_weights
from benchbench.catalogue import METRICS
from benchbench.hashing import stable_hash
from benchbench.measure import efficiency
from benchbench.suite.load import LoadedSuite
from benchbench.suite.schema import ModelSpec, Resources, SamplingSpec, Variant, sweep


@dataclass(frozen=True)
class CellPlan:
    position: int
    model: ModelSpec
    adapter: type[Adapter]
    weights: Path | None
    params: dict[str, Any]  # every declared parameter, defaults filled in
    suite_params: dict[str, Any]  # the ones the suite file sets (what tells cells apart)
    sampling: SamplingSpec
    model_fingerprint: str  # the weights' content hash (or an init: random model's config)
    key: str
    config: dict[str, Any] | None = None  # the architecture of an ``init: random`` model
    variant: Variant = field(
        default_factory=Variant
    )  # how the networks run (compile, memory format, autocast)

    @property
    def label(self) -> str:
        knobs = " ".join(f"{k}={v}" for k, v in self.suite_params.items())
        return f"{self.model.name} {knobs}".strip()

    @property
    def resources(self) -> Resources:
        """What one cell needs on a cluster node."""
        return self.model.resources

    @property
    def call_params(self) -> dict[str, Any]:
        """The params ``sample`` takes (the rest, like ``dtype``, were given to ``load``)."""
        return {k: v for k, v in self.params.items() if k not in self.adapter.load_params}

    def open(self, device: torch.device) -> Adapter:
        """The model on ``device``: loaded from its weights, or built with random ones."""
        at_load = {k: v for k, v in self.params.items() if k in self.adapter.load_params}
        if self.config is not None:
            return self.adapter.build(self.config, device, **at_load)
        return self.adapter.load(self.weights, device, **at_load)


def evaluation_key_parts(loaded: LoadedSuite, device: torch.device) -> dict[str, Any]:
    """What every cell's key shares, sampling or training: the suite, its seed and device,
    the reference data, extractor, metrics (by version) and bootstrap, and benchbench's
    major version."""
    suite = loaded.suite
    return {
        "suite": suite.name,
        "seed": suite.seed,
        "device": str(device),
        "reference": suite.reference.model_dump(),
        "features": suite.features,
        "metrics": {name: METRICS.get(name).version for name in suite.metrics},
        "bootstrap": suite.bootstrap.model_dump(),
        "benchbench": benchbench.__version__.split(".")[0],
    }


def plan_cells(loaded: LoadedSuite, device: torch.device) -> list[CellPlan]:
    suite = loaded.suite
    shared = {**evaluation_key_parts(loaded, device), "timing": suite.timing.model_dump()}
    if efficiency.wanted(suite.roofline, device):  # the cell then has more measurements
        shared["roofline"] = True
    prompts = loaded.prompts()
    if prompts is not None:  # what each sample is asked for decides the samples
        shared["prompts"] = [(p.text, p.label) for p in prompts]
    cells: list[CellPlan] = []
    for model in suite.models:
        adapter = resolve_adapter(model.adapter)
        weights = resolve_weights(model.weights, loaded.base_dir) if model.weights else None
        config = None
        if model.init == "random":
            config = resolve_config(model.config or {}, model.adapter)
            model_fingerprint = stable_hash({"init": "random", "config": config}, length=64)
        else:
            model_fingerprint = adapter.model_fingerprint(weights)
        sampling = model.sampling or suite.sampling
        variants = model.variant.combos()
        for combo in sweep(model.params):
            params = adapter.Params.model_validate(combo).model_dump()
            for variant in variants:
                keyed = {
                    **shared,
                    "model": model.name,
                    "adapter": model.adapter,
                    "fingerprint": model_fingerprint,  # the key's names are part of the key
                    "params": params,
                    "sampling": sampling.model_dump(),
                }
                if variant.settings():  # eager cells keep the keys they had before variants
                    keyed["variant"] = variant.model_dump()
                cells.append(
                    CellPlan(
                        position=len(cells),
                        model=model,
                        adapter=adapter,
                        weights=weights,
                        params=params,
                        suite_params={**combo, **variant.settings()},
                        sampling=sampling,
                        model_fingerprint=model_fingerprint,
                        key=stable_hash(keyed, length=32),
                        config=config,
                        variant=variant,
                    )
                )
    return cells
