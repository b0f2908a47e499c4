"""KID as Bińkowski et al. (2018) and torch-fidelity define it: the unbiased MMD² with the
cubic polynomial kernel, averaged over ``subsets`` random subsets of ``subset_size``
samples of each set (drawn without replacement), reported as mean ± std over subsets.

The subsets are drawn exactly as torch-fidelity draws them (a ``RandomState(seed)``,
first set then second, per subset), so equal seeds give equal subsets and equal
values. ``kd`` (``kd.py``) is the same MMD² on the full sets, one subset as large as
the data, which has the smallest variance; KID is here for comparison with papers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from benchbench.metrics import MetricSetup
from benchbench.metrics.features.base import FeatureMetric
from benchbench.metrics.features.kd import polynomial_kernel, weighted_mmd2_many
from benchbench.metrics.stats import multiplicities, recentred_interval, replicate_weights

DEFAULT_SUBSETS = 100
DEFAULT_SUBSET_SIZE = 1000


def subset_indices(
    n_a: int, n_b: int, subsets: int, subset_size: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """torch-fidelity's subsets: per subset, ``subset_size`` rows of a then of b."""
    if subset_size > min(n_a, n_b):
        raise ValueError(
            f"KID subset size {subset_size} exceeds the smaller set ({min(n_a, n_b)} samples)"
        )
    rng = np.random.RandomState(seed)
    return [
        (
            rng.choice(n_a, subset_size, replace=False),
            rng.choice(n_b, subset_size, replace=False),
        )
        for _ in range(subsets)
    ]


def kernel_inception_distance(
    features_a: np.ndarray,
    features_b: np.ndarray,
    subsets: int = DEFAULT_SUBSETS,
    subset_size: int = DEFAULT_SUBSET_SIZE,
    seed: int = 0,
    gram_dtype: type = np.float64,
) -> tuple[float, float]:
    """KID mean and std over subsets, for two [N, D] feature arrays. The matrix products
    are nearly all the cost; ``gram_dtype=np.float32`` runs them at float32 speed (as
    torch-fidelity does) and keeps the kernels and sums in float64 — within 1e-5 of the
    float64 value (tested), where float64 throughout matches the references to 1e-6."""
    a = np.asarray(features_a, gram_dtype)
    b = np.asarray(features_b, gram_dtype)
    chosen = KernelSubsets(a, b, subset_indices(len(a), len(b), subsets, subset_size, seed))
    values = chosen.subset_values(np.ones((1, len(a))), np.ones((1, len(b))))[:, 0]
    return float(np.mean(values)), float(np.std(values))


@dataclass
class KernelSubsets:
    """The two feature sets and the rows each subset draws from them. The kernels are not
    kept: 100 subsets of 1,000 need 2.4 GB of them, so each is computed when scored."""

    real: np.ndarray
    fake: np.ndarray
    subsets: list[tuple[np.ndarray, np.ndarray]]
    subset_std: float | None = None  # set by ``estimate``: papers print it after ±

    def subset_values(self, real_weights: np.ndarray, fake_weights: np.ndarray) -> np.ndarray:
        """``[subsets, R]``: each subset's MMD² under every row of the weights ([R, n])."""
        values = []
        for ir, jf in self.subsets:
            # each subset is gathered once, so ``r @ r.T`` sees one array and NumPy takes
            # the symmetric (syrk) product: half the work of two copies
            r, f = self.real[ir], self.fake[jf]
            kernels = polynomial_kernel(r, r), polynomial_kernel(f, f), polynomial_kernel(r, f)
            values.append(weighted_mmd2_many(*kernels, real_weights[:, ir], fake_weights[:, jf]))
        return np.array(values)


class KernelInceptionDistance(FeatureMetric):
    """``kid``: subset KID on Inception-v3 features. The value is the subset mean; the
    subset std (the number papers print after ±) is in ``details``; the confidence
    interval is a bootstrap over samples, each replicate re-weighting every subset."""

    name = "kid"
    label_prefix = "KID"
    literature_names = ("KID",)
    required_extractor = "inception-v3-compat"
    version = "1"
    higher_is_better = False

    def __init__(self, *args: Any, subsets: int = DEFAULT_SUBSETS, seed: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.subsets = subsets
        self.seed = seed
        self.subset_size = DEFAULT_SUBSET_SIZE  # lowered in ``prepare`` for smaller sets

    @classmethod
    def create(cls, setup: MetricSetup) -> KernelInceptionDistance:
        return cls(
            features=setup.features,
            reference=setup.reference,
            bootstrap=setup.bootstrap,
            seed=setup.seed,
        )

    def hparams(self) -> dict[str, Any]:
        return {
            "kernel": "polynomial",
            "degree": 3,
            "coef": 1.0,
            "gamma": "1/d",
            "subsets": self.subsets,
            "subset_size": self.subset_size,
            "subset_seed": self.seed,
        }

    def warnings(self, real: np.ndarray, fake: np.ndarray) -> list[str]:
        if self.subset_size < DEFAULT_SUBSET_SIZE:
            return [
                f"KID with subsets of {self.subset_size} samples (the convention is "
                f"{DEFAULT_SUBSET_SIZE}): compare only with values of the same subset size"
            ]
        return []

    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        self.subset_size = min(DEFAULT_SUBSET_SIZE, len(real), len(fake))
        chosen = subset_indices(len(real), len(fake), self.subsets, self.subset_size, self.seed)
        return KernelSubsets(real, fake, chosen)

    def estimate(
        self, prepared: KernelSubsets, n_real: int, n_fake: int
    ) -> tuple[float, float | None, float | None]:
        """The unweighted value and every bootstrap replicate in one pass over the subsets
        (each replicate re-weights every subset); the same weights, hence the same interval,
        as scoring the replicates one by one."""
        weights = [np.ones((1, n_real)), np.ones((1, n_fake))]
        if self.bootstrap is not None:
            drawn = replicate_weights((n_real, n_fake), self.bootstrap, multiplicities)
            weights = [np.vstack([w, d]) for w, d in zip(weights, drawn, strict=True)]
        per_subset = prepared.subset_values(*weights)
        prepared.subset_std = float(np.std(per_subset[:, 0]))
        value, *replicates = per_subset.mean(axis=0)
        if self.bootstrap is None:
            return float(value), None, None
        return float(value), *recentred_interval(np.array(replicates), value, self.bootstrap)

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        return float(prepared.subset_values(real_weights[None], fake_weights[None]).mean())

    def details(self, prepared: Any) -> dict[str, float]:
        return {"std": prepared.subset_std}
