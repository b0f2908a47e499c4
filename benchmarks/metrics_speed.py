"""Time FID, KID and PRDC on 10k×2048 random features: benchbench vs torch-fidelity vs
torchmetrics (and the ``prdc`` package), on the same arrays, in one process; then the
reference-feature cache's speed-up on a second run.

    python benchmarks/metrics_speed.py [--n 10000] [--dim 2048]

Features are float32, as extractors produce them; each library promotes them as it
does in its own pipeline (benchbench: float64 everywhere, plus a KID row with float32
matrix products and float64 kernels and sums; torch-fidelity: float64 for
FID statistics, float32 for KID and precision/recall; torchmetrics: float64 FID sums,
float32 KID). Numbers are wall seconds of one call.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


class Identity(nn.Module):
    """Lets torchmetrics' metric classes take features directly."""

    num_features = 2048

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def fid_rows(a: np.ndarray, b: np.ndarray) -> list[tuple[str, Callable[[], object]]]:
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric
    from torchmetrics.image.fid import FrechetInceptionDistance

    from benchbench.metrics.features import frechet_distance
    from benchbench.metrics.features.fd import frechet_distance_on_device

    device = "cuda" if torch.cuda.is_available() else "cpu"
    on_device = [torch.from_numpy(x).to(device) for x in (a, b)]  # copied before timing

    def fidelity():
        stats = [fid_features_to_statistics(torch.from_numpy(x)) for x in (a, b)]
        return fid_statistics_to_metric(*stats, verbose=False)["frechet_inception_distance"]

    def metrics():
        Identity.num_features = a.shape[1]
        fid = FrechetInceptionDistance(feature=Identity())
        fid.update(torch.from_numpy(a), real=True)
        fid.update(torch.from_numpy(b), real=False)
        return float(fid.compute())

    return [
        ("benchbench", lambda: frechet_distance(a, b)),
        (f"benchbench torch on {device}", lambda: frechet_distance_on_device(*on_device)),
        ("torch-fidelity", fidelity),
        ("torchmetrics", metrics),
    ]


def kid_rows(a: np.ndarray, b: np.ndarray) -> list[tuple[str, Callable[[], object]]]:
    from torch_fidelity.metric_kid import kid_features_to_metric
    from torchmetrics.image.kid import KernelInceptionDistance

    from benchbench.metrics.features import kernel_inception_distance

    def fidelity():
        return kid_features_to_metric(
            torch.from_numpy(a),
            torch.from_numpy(b),
            kid_subsets=100,
            kid_subset_size=1000,
            kid_kernel="poly",
            kid_kernel_poly_degree=3,
            kid_kernel_poly_gamma=None,
            kid_kernel_poly_coef0=1,
            rng_seed=0,
            verbose=False,
        )["kernel_inception_distance_mean"]

    def metrics():
        kid = KernelInceptionDistance(feature=Identity(), subsets=100, subset_size=1000)
        kid.update(torch.from_numpy(a), real=True)
        kid.update(torch.from_numpy(b), real=False)
        return float(kid.compute()[0])

    return [
        ("benchbench", lambda: kernel_inception_distance(a, b, 100, 1000, seed=0)[0]),
        (
            "benchbench float32 Gram",
            lambda: kernel_inception_distance(a, b, 100, 1000, seed=0, gram_dtype=np.float32)[0],
        ),
        ("torch-fidelity", fidelity),
        ("torchmetrics", metrics),
    ]


def prdc_rows(a: np.ndarray, b: np.ndarray) -> list[tuple[str, Callable[[], object]]]:
    from prdc import compute_prdc
    from torch_fidelity.metric_prc import calculate_precision_recall_full

    from benchbench.catalogue import METRICS
    from benchbench.metrics.features import precision_recall

    def ours():  # the four metrics as the evaluator runs them: one shared k-NN geometry
        shared: dict = {}
        values = []
        for name in ("precision", "recall", "density", "coverage"):
            metric = METRICS.get(name)(features={"name": "random"}, reference="r")
            metric.update(torch.from_numpy(a), real=True)
            metric.update(torch.from_numpy(b), real=False)
            values.append(round(metric.compute(shared).value, 4))
        return values

    def fidelity():  # precision and recall only
        p, r = calculate_precision_recall_full(torch.from_numpy(b), torch.from_numpy(a), 3)
        return [round(p, 4), round(r, 4)]

    def package():
        return [round(float(v), 4) for v in compute_prdc(a, b, 5).values()]

    def ours_precision_recall(dtype):
        return [round(v, 4) for v in precision_recall(a, b, 3, gram_dtype=dtype)]

    return [
        ("benchbench P+R+D+C", ours),
        ("benchbench P+R", lambda: ours_precision_recall(np.float64)),
        ("benchbench P+R float32 products", lambda: ours_precision_recall(np.float32)),
        ("torch-fidelity P+R", fidelity),
        ("torchmetrics", None),
        ("prdc package P+R+D+C (k=5)", package),
    ]


def cache_speedup(n: int) -> tuple[float, float]:
    from benchbench.extractors.cache import FeatureCache
    from benchbench.extractors.digits_cnn import DigitsCNNExtractor

    extractor = DigitsCNNExtractor(torch.device("cpu"))
    images = torch.rand(n, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    with tempfile.TemporaryDirectory() as root:
        cache = FeatureCache(Path(root))
        first, _ = timed(lambda: cache.extract("bench", extractor, images))
        second, _ = timed(lambda: cache.extract("bench", extractor, images))
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=2048)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a = rng.normal(size=(args.n, args.dim)).astype(np.float32)
    # shifted, not scaled: in 2,048 dimensions a 10% wider set lies wholly outside the
    # other's k-NN balls, and precision and recall would print 0 and 1
    b = (rng.normal(size=(args.n, args.dim)) + 0.05).astype(np.float32)
    print(f"{args.n}×{args.dim} float32 features, torch threads {torch.get_num_threads()}")
    for metric, rows in (("FID", fid_rows), ("KID", kid_rows), ("PRDC", prdc_rows)):
        for library, fn in rows(a, b):
            if fn is None:
                print(f"{metric:5} {library:28} {'—':>9}   (no such metric)")
                continue
            seconds, value = timed(fn)
            print(f"{metric:5} {library:28} {seconds:8.2f}s   value {value}", flush=True)
    first, second = cache_speedup(args.n)
    print(
        f"cache digits-cnn features of {args.n} images: first run {first:.2f}s, "
        f"second run {second:.3f}s ({first / second:.0f}× faster)"
    )


if __name__ == "__main__":
    main()
