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
shared between them in an evaluation; it computes the distances in blocks of rows and
keeps only each sample's nearest neighbours, so 50k-sample sets fit in a few GB. Blocks
round like the whole matrix did, except that exact ties (a generated sample that copies
a real one) may fall on either side of a radius: one-row blocks (matrix-vector products)
moved such a density by 0.009 in a check with 150 copied samples out of 300.

Intervals use half-sampling, not the bootstrap: a duplicated sample would sit at
distance zero from its copy and shrink every k-NN ball around it (see ``benchbench.metrics.stats``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from benchbench.metrics.features.base import BLOCK_ROWS, FeatureMetric, row_blocks
from benchbench.metrics.stats import RESAMPLING, estimate_in_one_pass

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


def _merge_nearest(
    distance: np.ndarray, index: np.ndarray, rows: slice, block: np.ndarray, first: int
) -> None:
    """Keep, per row of ``rows``, the nearest of its kept neighbours and of ``block`` (its
    distances to the samples ``first``, ``first + 1``, ...)."""
    keep = distance.shape[1]
    near = np.concatenate([distance[rows], block], axis=1)
    columns = np.arange(first, first + block.shape[1])
    which = np.concatenate([index[rows], np.broadcast_to(columns, block.shape)], axis=1)
    pick = np.argpartition(near, keep - 1, axis=1)[:, :keep]
    distance[rows] = np.take_along_axis(near, pick, axis=1)
    index[rows] = np.take_along_axis(which, pick, axis=1)


@dataclass(frozen=True)
class Neighbours:
    """Each sample's nearest samples of its own set, nearest first (itself included)."""

    features: np.ndarray
    index: np.ndarray  # [n, L] int
    distance: np.ndarray  # [n, L]

    @classmethod
    def of(
        cls,
        features: np.ndarray,
        keep: int,
        gram_dtype: type = np.float64,
        block: int = BLOCK_ROWS,
    ) -> Neighbours:
        """Over the upper triangle of distance blocks (diagonal blocks through the symmetric
        product), each block serving its rows and, transposed, its columns."""
        keep = min(keep, len(features))
        distance = np.full((len(features), keep), np.inf)
        index = np.zeros((len(features), keep), dtype=np.intp)
        blocks = row_blocks(len(features), block)
        for i, rows in enumerate(blocks):
            for cols in blocks[i:]:
                if cols == rows:
                    near = pairwise_distances(features[rows], gram_dtype=gram_dtype)
                    np.fill_diagonal(near, 0.0)
                else:
                    near = pairwise_distances(features[rows], features[cols], gram_dtype)
                    _merge_nearest(distance, index, cols, near.T, rows.start)
                _merge_nearest(distance, index, rows, near, cols.start)
        order = np.argsort(distance, axis=1, kind="stable")
        return cls(
            features, np.take_along_axis(index, order, 1), np.take_along_axis(distance, order, 1)
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


STATISTICS = ("precision", "recall", "density", "coverage")


@dataclass
class _Tally:
    """One k's counts under one pair of masks, summed over blocks of real rows."""

    real_radii: np.ndarray  # per selected real sample
    fake_radii: np.ndarray  # per selected fake sample
    covered_fake: np.ndarray  # per selected fake sample: inside some real ball
    containing: np.ndarray  # per selected fake sample: how many real balls hold it
    recalled: int = 0  # selected real samples inside some fake ball
    covering: int = 0  # selected real samples whose ball holds a fake sample

    def add(self, view: np.ndarray, real_rows: slice) -> None:
        radii = self.real_radii[real_rows]
        inside = view <= radii[:, None]
        self.covered_fake |= inside.any(axis=0)
        self.containing += inside.sum(axis=0)
        self.recalled += int((view <= self.fake_radii[None, :]).any(axis=1).sum())
        self.covering += int((view.min(axis=1) <= radii).sum())

    def values(self, k: int) -> dict[str, float]:
        n_real = len(self.real_radii)
        return {
            "precision": float(self.covered_fake.mean()),
            "recall": self.recalled / n_real,
            "density": float(self.containing.mean() / k),
            "coverage": self.covering / n_real,
        }


@dataclass(frozen=True)
class KNNGeometry:
    """Each set's sorted neighbours, plus the features to compute real-fake distances from
    block by block (a 50k × 50k matrix would need 20 GB): all four metrics."""

    real: Neighbours
    fake: Neighbours
    gram_dtype: type = np.float64
    block: int = BLOCK_ROWS
    _scored: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls,
        real: np.ndarray,
        fake: np.ndarray,
        gram_dtype: type = np.float64,
        block: int = BLOCK_ROWS,
    ) -> KNNGeometry:
        real, fake = (
            np.asarray(real, gram_dtype),
            np.asarray(fake, gram_dtype),
        )  # once, not per block
        return cls(
            Neighbours.of(real, _NEIGHBOURS, gram_dtype, block),
            Neighbours.of(fake, _NEIGHBOURS, gram_dtype, block),
            gram_dtype,
            block,
        )

    def scores(
        self, ks: tuple[int, ...], real_masks: np.ndarray, fake_masks: np.ndarray
    ) -> dict[tuple[str, int], np.ndarray]:
        """Every statistic at every k in ``ks`` under every row of the masks ([R, n]), in one
        pass over the real-fake distance blocks; remembered, since the four metrics share
        their masks (one seed) and so ask for the same pass."""
        key = (ks, real_masks.tobytes(), fake_masks.tobytes())
        if key not in self._scored:
            self._scored[key] = self._score(ks, real_masks, fake_masks)
        return self._scored[key]

    def _score(
        self, ks: tuple[int, ...], real_masks: np.ndarray, fake_masks: np.ndarray
    ) -> dict[tuple[str, int], np.ndarray]:
        tallies = [
            [self._tally(k, real, fake) for real, fake in zip(real_masks, fake_masks, strict=True)]
            for k in ks
        ]
        before = np.cumsum(real_masks, axis=1) - real_masks  # selected real rows before each
        for rows in row_blocks(len(self.real.features), self.block):
            distances = pairwise_distances(
                self.real.features[rows], self.fake.features, self.gram_dtype
            )
            for r, (real, fake) in enumerate(zip(real_masks, fake_masks, strict=True)):
                in_block = real[rows]
                first = int(before[r, rows.start])
                selected = slice(first, first + int(in_block.sum()))
                view = (
                    distances
                    if in_block.all() and fake.all()
                    else distances[np.ix_(in_block, fake)]
                )
                for per_mask in tallies:
                    per_mask[r].add(view, selected)
        return {
            (name, k): np.array([tally.values(k)[name] for tally in per_mask])
            for k, per_mask in zip(ks, tallies, strict=True)
            for name in STATISTICS
        }

    def _tally(self, k: int, real: np.ndarray, fake: np.ndarray) -> _Tally:
        n_fake = int(fake.sum())
        return _Tally(
            self.real.radii(k, real),
            self.fake.radii(k, fake),
            np.zeros(n_fake, dtype=bool),
            np.zeros(n_fake, dtype=np.int64),
        )


def _all(n: int) -> np.ndarray:
    return np.ones((1, n), dtype=bool)


def precision_recall(
    real: np.ndarray,
    fake: np.ndarray,
    k: int = 3,
    gram_dtype: type = np.float64,
    block: int = BLOCK_ROWS,
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of ``fake`` against ``real``."""
    values = KNNGeometry.of(real, fake, gram_dtype, block).scores(
        (k,), _all(len(real)), _all(len(fake))
    )
    return float(values["precision", k][0]), float(values["recall", k][0])


def density_coverage(
    real: np.ndarray,
    fake: np.ndarray,
    k: int = 5,
    gram_dtype: type = np.float64,
    block: int = BLOCK_ROWS,
) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020) of ``fake`` against ``real``."""
    values = KNNGeometry.of(real, fake, gram_dtype, block).scores(
        (k,), _all(len(real)), _all(len(fake))
    )
    return float(values["density", k][0]), float(values["coverage", k][0])


def _mask(weights: np.ndarray, metric: str) -> np.ndarray:
    if not np.all((weights == 0) | (weights == 1)):
        raise ValueError(
            f"{metric} takes 0/1 (subsample) weights: a repeated sample would sit at "
            f"distance zero from its copy and shrink the k-NN balls"
        )
    return weights.astype(bool)


class KNNMetric(FeatureMetric):
    """One of the four k-NN manifold metrics, read off the shared geometry's one pass.
    Precision, recall and coverage are shares, so their intervals stop at 0 and 1;
    density (a mean count ratio) only at 0."""

    k: ClassVar[int]
    shared_ks: ClassVar[tuple[int, ...]] = (3, 5)  # the four metrics' k: scored in one pass
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

    def _values(self, geometry: KNNGeometry, real_weights: np.ndarray, fake_weights: np.ndarray):
        """This metric under every row of the weights ([R, n] each)."""
        ks = self.shared_ks if self.k in self.shared_ks else (self.k,)
        real, fake = _mask(real_weights, self.name), _mask(fake_weights, self.name)
        return geometry.scores(ks, real, fake)[self.name, self.k]

    def estimate(
        self, prepared: Any, n_real: int, n_fake: int
    ) -> tuple[float, float | None, float | None]:
        """The value and every half-sample in one pass over the real-fake distances."""
        return estimate_in_one_pass(
            lambda w_r, w_f: self._values(prepared, w_r, w_f),
            (n_real, n_fake),
            self.bootstrap,
            RESAMPLING[self.resampling],
        )

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        return float(self._values(prepared, real_weights[None], fake_weights[None])[0])

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


class Recall(KNNMetric):
    name = "recall"
    label_prefix = "Recall"
    k = 3


class Density(KNNMetric):
    name = "density"
    label_prefix = "Density"
    k = 5
    bounds = (0.0, math.inf)


class Coverage(KNNMetric):
    name = "coverage"
    label_prefix = "Coverage"
    k = 5
