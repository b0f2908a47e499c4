"""Kernel distance: unbiased MMD² with the cubic polynomial kernel (KID on Inception
features, Bińkowski et al. 2018; KD[extractor] on others).

    k(x, y) = (x·y / d + 1)^3
    MMD²_u = mean_{i≠j} k(x_i, x_j) + mean_{i≠j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j)

This is the U-statistic on the full sets (torch-fidelity's KID with one subset as
large as the data). Under bootstrap weights w the within-set means become
sum_{i≠j} w_i w_j k_ij / sum_{i≠j} w_i w_j, so a sample is never paired with its
own copy.

The kernels of 50k-sample sets (20 GB each in float64) are never held whole: the sums
run over blocks of rows, each within-set kernel over its upper triangle of blocks
(diagonal blocks through the symmetric product), for every bootstrap replicate at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchbench.metrics.features.base import BLOCK_ROWS, FeatureMetric, row_blocks
from benchbench.metrics.stats import estimate_in_one_pass


def polynomial_kernel(x: np.ndarray, y: np.ndarray, coef: float = 1.0) -> np.ndarray:
    """(x·y / d + coef)³ in float64, in place on the Gram matrix: repeated multiplication
    is ten times faster than ``** 3`` (a pow call per entry) and agrees with it to an ulp.
    The Gram matrix x·yᵀ is computed in the inputs' dtype (float32 inputs: a float32
    product, float64 from there on)."""
    kernel = (x @ y.T).astype(np.float64, copy=False)
    kernel *= 1.0 / x.shape[1]
    kernel += coef
    cube = kernel * kernel
    cube *= kernel
    return cube


def _within_means(kernel: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row of ``weights`` [R, n]: the weighted mean of the kernel over pairs i != j."""
    pair_weight = weights.sum(1) ** 2 - (weights * weights).sum(1)
    quadratic = np.einsum("rn,rn->r", weights @ kernel, weights)
    with np.errstate(divide="ignore", invalid="ignore"):  # no pair (one sample drawn): NaN
        return (quadratic - (weights * weights) @ np.diag(kernel)) / pair_weight


def weighted_mmd2_many(
    k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray, w_x: np.ndarray, w_y: np.ndarray
) -> np.ndarray:
    """``weighted_mmd2`` for every row of ``w_x`` [R, n_x] and ``w_y`` [R, n_y] at once:
    matrix products instead of R matrix-vector products."""
    between = np.einsum("rn,rn->r", w_x @ k_xy, w_y) / (w_x.sum(1) * w_y.sum(1))
    return _within_means(k_xx, w_x) + _within_means(k_yy, w_y) - 2.0 * between


def weighted_mmd2(
    k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray, w_x: np.ndarray, w_y: np.ndarray
) -> float:
    return float(weighted_mmd2_many(k_xx, k_yy, k_xy, w_x[None], w_y[None])[0])


def _within_means_blocked(x: np.ndarray, weights: np.ndarray, block: int) -> np.ndarray:
    """``_within_means`` of the kernel of ``x`` with itself, one block pair at a time: each
    off-diagonal block stands for itself and its transpose."""
    quadratic = np.zeros(len(weights))
    diagonal = np.zeros(len(weights))
    blocks = row_blocks(len(x), block)
    for i, rows in enumerate(blocks):
        for cols in blocks[i:]:
            same = cols == rows
            part = x[rows]
            kernel = polynomial_kernel(part, part if same else x[cols])
            pair = np.einsum("rn,rn->r", weights[:, rows] @ kernel, weights[:, cols])
            quadratic += pair if same else 2.0 * pair
            if same:
                diagonal += (weights[:, rows] ** 2) @ np.diag(kernel)
    pair_weight = weights.sum(1) ** 2 - (weights * weights).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):  # no pair (one sample drawn): NaN
        return (quadratic - diagonal) / pair_weight


def _between_mean_blocked(
    x: np.ndarray, y: np.ndarray, w_x: np.ndarray, w_y: np.ndarray, block: int
) -> np.ndarray:
    """Per row of the weights: the weighted mean of k(x_i, y_j), one block at a time."""
    total = np.zeros(len(w_x))
    for rows in row_blocks(len(x), block):
        for cols in row_blocks(len(y), block):
            kernel = polynomial_kernel(x[rows], y[cols])
            total += np.einsum("rn,rn->r", w_x[:, rows] @ kernel, w_y[:, cols])
    return total / (w_x.sum(1) * w_y.sum(1))


def blocked_mmd2_many(
    x: np.ndarray, y: np.ndarray, w_x: np.ndarray, w_y: np.ndarray, block: int = BLOCK_ROWS
) -> np.ndarray:
    """``weighted_mmd2_many`` from the features, the kernels computed block by block and
    never kept: memory grows with ``block``, not with the square of the set sizes."""
    between = _between_mean_blocked(x, y, w_x, w_y, block)
    return (
        _within_means_blocked(x, w_x, block) + _within_means_blocked(y, w_y, block) - 2.0 * between
    )


def kernel_distance(
    features_a: np.ndarray,
    features_b: np.ndarray,
    gram_dtype: type = np.float64,
    block: int = BLOCK_ROWS,
) -> float:
    """Unbiased MMD² (cubic kernel) between two [N, D] feature arrays; ``gram_dtype``
    float32 halves the cost of the matrix products (the kernels and sums stay float64)."""
    a = np.asarray(features_a, gram_dtype)
    b = np.asarray(features_b, gram_dtype)
    return float(blocked_mmd2_many(a, b, np.ones((1, len(a))), np.ones((1, len(b))), block)[0])


class KernelDistance(FeatureMetric):
    name = "kd"
    label_prefix = "KD"
    version = "1"
    higher_is_better = False

    def hparams(self) -> dict[str, Any]:
        return {
            "kernel": "polynomial",
            "degree": 3,
            "coef": 1.0,
            "gamma": "1/d",
            "estimator": "full-U",
        }

    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        return real, fake  # the kernels are computed block by block when scored

    def estimate(
        self, prepared: Any, n_real: int, n_fake: int
    ) -> tuple[float, float | None, float | None]:
        """The value and every bootstrap replicate in one pass over the kernel blocks."""
        return estimate_in_one_pass(
            lambda w_r, w_f: blocked_mmd2_many(*prepared, w_r, w_f),
            (n_real, n_fake),
            self.bootstrap,
        )

    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        return float(blocked_mmd2_many(*prepared, real_weights[None], fake_weights[None])[0])
