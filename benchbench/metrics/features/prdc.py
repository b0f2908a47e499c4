"""k-NN manifold metrics: precision and recall (Kynkäänniemi et al. 2019, k = 3) and
density and coverage (Naeem et al. 2020, k = 5).

Each set's manifold is the union of balls around its samples, each ball as large as
the distance to the sample's k-th nearest neighbour in its own set. Precision is the
share of generated samples inside the real manifold, recall the share of real
samples inside the generated one; density counts, per generated sample, the real
balls that contain it (divided by k); coverage is the share of real samples whose
ball contains at least one generated sample. Ball membership is ``distance <=
radius`` (torch-fidelity and the authors' code; the ``prdc`` package uses ``<``,
which differs only on exact ties).

All four read one ``KNNGeometry`` of the two sets (Euclidean distances in float64),
shared between them in an evaluation. Intervals use half-sampling, not the
bootstrap: a duplicated sample would sit at distance zero from its copy and shrink
every k-NN ball around it (see ``benchbench.metrics.stats``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from benchbench.metrics.features.base import FeatureMetric

# Sorted neighbours kept per sample: enough that a random half of the set almost surely
# holds k + 1 of them for k <= 5 (a row without them is recomputed from the features).
_NEIGHBOURS = 64


def pairwise_distances(
    a: np.ndarray, b: np.ndarray | None = None, gram_dtype: type = np.float64
) -> np.ndarray:
    """Euclidean distances ``[len(a), len(b)]`` in float64 (by |a|² + |b|² - 2ab); without
    ``b``, within ``a``, where ``a @ a.T`` on one array takes NumPy's symmetric (syrk)
    product, half the work of a general one. ``gram_dtype`` float32 runs the product at
    float32 speed (as torch-fidelity does); norms and distances stay float64."""
    a = np.asarray(a, gram_dtype)
    b = a if b is None else np.asarray(b, gram_dtype)
    products = (a @ b.T).astype(np.float64, copy=False)
    a_norms = np.einsum("ij,ij->i", a, a, dtype=np.float64)
    b_norms = a_norms if b is a else np.einsum("ij,ij->i", b, b, dtype=np.float64)
    squared = a_norms[:, None] + b_norms[None, :] - 2.0 * products
    return np.sqrt(np.clip(squared, 0.0, None, out=squared), out=squared)


@dataclass(frozen=True)
class Neighbours:
    """Each sample's nearest samples of its own set, nearest first (itself included)."""

    features: np.ndarray
    index: np.ndarray  # [n, L] int
    distance: np.ndarray  # [n, L]

    @classmethod
    def of(cls, features: np.ndarray, keep: int, gram_dtype: type = np.float64) -> Neighbours:
        distances = pairwise_distances(features, gram_dtype=gram_dtype)
        np.fill_diagonal(distances, 0.0)
        keep = min(keep, len(features))
        index = np.argpartition(distances, keep - 1, axis=1)[:, :keep]
        near = np.take_along_axis(distances, index, axis=1)
        order = np.argsort(near, axis=1, kind="stable")
        return cls(
            features, np.take_along_axis(index, order, 1), np.take_along_axis(near, order, 1)
        )

    def radii(self, k: int, selected: np.ndarray) -> np.ndarray:
        """Distance from each selected sample to its k-th nearest selected neighbour
        (the (k+1)-th smallest distance counting itself), for the selected samples."""
        rows = np.flatnonzero(selected)
        chosen = selected[self.index[rows]]
        count = np.cumsum(chosen, axis=1)
        enough = count[:, -1] >= k + 1
        position = np.argmax(count >= k + 1, axis=1)
        radii = self.distance[rows, position]
        for row in np.flatnonzero(~enough):  # rare: recompute against the whole set
            own = pairwise_distances(self.features[rows[row]][None], self.features[selected])[0]
            own[np.flatnonzero(selected) == rows[row]] = 0.0
            radii[row] = np.partition(own, k)[k] if len(own) > k else np.inf
        return radii


@dataclass(frozen=True)
class KNNGeometry:
    """Distances between the sets plus each set's sorted neighbours: all four metrics."""

    real_fake: np.ndarray  # [n_real, n_fake]
    real: Neighbours
    fake: Neighbours

    @classmethod
    def of(cls, real: np.ndarray, fake: np.ndarray, gram_dtype: type = np.float64) -> KNNGeometry:
        return cls(
            pairwise_distances(real, fake, gram_dtype),
            Neighbours.of(real, _NEIGHBOURS, gram_dtype),
            Neighbours.of(fake, _NEIGHBOURS, gram_dtype),
        )

    def view(self, real_mask: np.ndarray, fake_mask: np.ndarray) -> np.ndarray:
        return self.real_fake[np.ix_(real_mask, fake_mask)]


def _precision(g: KNNGeometry, k: int, real: np.ndarray, fake: np.ndarray) -> float:
    inside = g.view(real, fake) <= g.real.radii(k, real)[:, None]
    return float(inside.any(axis=0).mean())


def _recall(g: KNNGeometry, k: int, real: np.ndarray, fake: np.ndarray) -> float:
    inside = g.view(real, fake) <= g.fake.radii(k, fake)[None, :]
    return float(inside.any(axis=1).mean())


def _density(g: KNNGeometry, k: int, real: np.ndarray, fake: np.ndarray) -> float:
    inside = g.view(real, fake) <= g.real.radii(k, real)[:, None]
    return float(inside.sum(axis=0).mean() / k)


def _coverage(g: KNNGeometry, k: int, real: np.ndarray, fake: np.ndarray) -> float:
    nearest_fake = g.view(real, fake).min(axis=1)
    return float((nearest_fake <= g.real.radii(k, real)).mean())


def _all(n: int) -> np.ndarray:
    return np.ones(n, dtype=bool)


def precision_recall(
    real: np.ndarray, fake: np.ndarray, k: int = 3, gram_dtype: type = np.float64
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of ``fake`` against ``real``."""
    g = KNNGeometry.of(real, fake, gram_dtype)
    everything = _all(len(real)), _all(len(fake))
    return _precision(g, k, *everything), _recall(g, k, *everything)


def density_coverage(
    real: np.ndarray, fake: np.ndarray, k: int = 5, gram_dtype: type = np.float64
) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020) of ``fake`` against ``real``."""
    g = KNNGeometry.of(real, fake, gram_dtype)
    everything = _all(len(real)), _all(len(fake))
    return _density(g, k, *everything), _coverage(g, k, *everything)


def _mask(weights: np.ndarray, metric: str) -> np.ndarray:
    if not np.all((weights == 0) | (weights == 1)):
        raise ValueError(
            f"{metric} takes 0/1 (subsample) weights: a repeated sample would sit at "
            f"distance zero from its copy and shrink the k-NN balls"
        )
    return weights.astype(bool)


class KNNMetric(FeatureMetric):
    """One of the four k-NN manifold metrics; ``statistic`` reads it off the geometry.
    Precision, recall and coverage are shares, so their intervals stop at 0 and 1;
    density (a mean count ratio) only at 0."""

    k: ClassVar[int]
    statistic: ClassVar[Any]  # staticmethod (geometry, k, real mask, fake mask) -> float
    resampling = "half-sample"
    version = "1"
    higher_is_better = True
    bounds = (0.0, 1.0)

    def hparams(self) -> dict[str, Any]:
        return {"k": self.k, "distance": "euclidean", "ball": "<="}

    def shared_work(self) -> str | None:
        return "knn-geometry"

    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        return KNNGeometry.of(real, fake)

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        real = _mask(real_weights, self.name)
        fake = _mask(fake_weights, self.name)
        return self.statistic(prepared, self.k, real, fake)

    def warnings(self, real: np.ndarray, fake: np.ndarray) -> list[str]:
        smallest = min(len(real), len(fake))
        if smallest < 1000:
            return [
                f"{self.name} with {smallest} samples in the smaller set: k-NN balls are "
                f"wide at small N, so values move with N; compare only at equal N"
            ]
        return []


class Precision(KNNMetric):
    name = "precision"
    label_prefix = "Precision"
    k = 3
    statistic = staticmethod(_precision)


class Recall(KNNMetric):
    name = "recall"
    label_prefix = "Recall"
    k = 3
    statistic = staticmethod(_recall)


class Density(KNNMetric):
    name = "density"
    label_prefix = "Density"
    k = 5
    bounds = (0.0, math.inf)
    statistic = staticmethod(_density)


class Coverage(KNNMetric):
    name = "coverage"
    label_prefix = "Coverage"
    k = 5
    statistic = staticmethod(_coverage)
