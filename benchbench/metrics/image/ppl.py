"""Latent-interpolation smoothness of a VAE: the perceptual path length (Karras et al.
2019) along straight lines between the latent codes of two reference images.

For each of ``paths`` pairs (x1, x2) of reference images: z1, z2 = encode(x1, x2),
t ~ U(0, 1), and the path's value is d(decode(lerp(z1, z2, t)), decode(lerp(z1, z2,
t + ε))) / ε², with d the squared Euclidean distance in the suite's feature space (so
the label names the extractor: PPL[digits-cnn]). As in torch-fidelity, values outside
the 1st-99th percentiles are dropped before averaging. Lower means a smoother latent
space. Needs a model with ``encode``/``decode`` (``LatentVariableModel``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from benchbench.adapters.base import LatentVariableModel
from benchbench.metrics import Estimate, Metric, MetricInputs, MetricSetup, MetricSetupError
from benchbench.metrics.stats import BootstrapSpec, estimate_with_interval

EPSILON = 1e-4
PERCENTILES = (1.0, 99.0)


def path_lengths(
    model: LatentVariableModel,
    embed: Any,
    reference: torch.Tensor,
    paths: int,
    seed: int,
    batch_size: int = 128,
) -> np.ndarray:
    """One perceptual path length per random pair of ``reference`` images."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(reference), paths)
    second = rng.integers(0, len(reference), paths)
    steps = torch.from_numpy(rng.uniform(0.0, 1.0, (paths, 1)))
    values = []
    with torch.inference_mode():
        for start in range(0, paths, batch_size):
            part = slice(start, start + batch_size)
            z1 = model.encode(reference[first[part]]).double()
            z2 = model.encode(reference[second[part]]).double()
            t = steps[part].to(z1.device)
            near, far = z1 + (z2 - z1) * t, z1 + (z2 - z1) * (t + EPSILON)
            a = embed(model.decode(near.float())).double()
            b = embed(model.decode(far.float())).double()
            values.append((((a - b) ** 2).sum(dim=1) / EPSILON**2).cpu().numpy())
    return np.concatenate(values)


def trimmed_mean(values: np.ndarray, weights: np.ndarray, bounds: tuple[float, float]) -> float:
    keep = (values >= bounds[0]) & (values <= bounds[1])
    return float(weights[keep] @ values[keep] / weights[keep].sum())


class LatentPathLength(Metric):
    name = "ppl"
    version = "1"
    higher_is_better = False
    inputs = ("model", "reference_images", "extractor")

    def __init__(
        self,
        features: dict[str, Any],
        bootstrap: BootstrapSpec | None = None,
        paths: int = 512,
        seed: int = 0,
    ):
        self.features = features
        self.bootstrap = bootstrap
        self.paths = paths
        self.seed = seed
        self._lengths: np.ndarray | None = None

    @classmethod
    def create(cls, setup: MetricSetup) -> LatentPathLength:
        return cls(setup.features, setup.bootstrap, seed=setup.seed)

    def observe(self, inputs: MetricInputs) -> None:
        model = inputs.get("model")
        if not isinstance(model, LatentVariableModel):
            raise MetricSetupError(
                f"ppl needs a model with encode/decode (a LatentVariableModel such as the vae "
                f"adapter); {type(model).__name__} has no latent space to interpolate"
            )
        self._lengths = path_lengths(
            model, inputs.get("extractor"), inputs.get("reference_images"), self.paths, self.seed
        )

    @property
    def label(self) -> str:
        return f"PPL[{self.features['name']}]"

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        if self._lengths is None:
            raise RuntimeError("ppl: compute() needs observe() first")
        lengths = self._lengths
        bounds = tuple(np.percentile(lengths, PERCENTILES))
        value, ci_low, ci_high = estimate_with_interval(
            lambda w: trimmed_mean(lengths, w, bounds), (len(lengths),), self.bootstrap
        )
        return Estimate(
            value,
            ci_low,
            ci_high,
            n=len(lengths),
            recipe={
                "features": self.features,
                "paths": self.paths,
                "epsilon": EPSILON,
                "interpolation": "lerp",
                "endpoints": "encoded reference pairs",
                "trim_percentiles": list(PERCENTILES),
                "seed": self.seed,
                "ci": self.ci_signature(),
            },
        )
