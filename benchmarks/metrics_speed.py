"""Time FID, KD, KID and PRDC on N×2048 random features: benchbench vs torch-fidelity vs
torchmetrics (and the ``prdc`` package), on the same arrays; then the reference-feature
cache's speed-up on a second run.

    python benchmarks/metrics_speed.py [--n 10000 | --n 50000] [--dim 2048] [--rounds 3]

Every (metric, library) row runs in a fresh subprocess that draws the same arrays (seed
0) and times one call; rounds are interleaved (row after row, then again), and each row
reports the minimum over rounds, its ratio to torch-fidelity's and torchmetrics' rows of
the same metric, and its peak RSS: the child process's maximum resident set size
(``ru_maxrss`` from ``os.wait4``), which includes the interpreter, torch and the two
float32 input arrays (the "baseline" row: a child that only draws them). A reference whose
known memory need (its whole distance matrices) exceeds ``--memory-gib`` is skipped with
the reason printed.

Features are float32, as extractors produce them; each library promotes them as it
does in its own pipeline (benchbench: float64 everywhere, plus a KID row with float32
matrix products and float64 kernels and sums; torch-fidelity: float64 for
FID statistics, float32 for KID and precision/recall; torchmetrics: float64 FID sums,
float32 KID). Numbers are wall seconds of one call. The KID row "floor: float32 products
alone" times only torch-fidelity's gathers and matrix products, what no exact float32 KID
can skip.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
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

    def products_alone():
        """Only what dominates KID: torch-fidelity's subsets and its three float32 products
        per subset (NumPy sends X @ X.T to syrk), no kernels, no sums. No exact float32 KID
        on these subsets can be faster; the row shows how near the floor the others are."""
        rng = np.random.RandomState(0)
        for _ in range(100):
            x = a[rng.choice(len(a), 1000, replace=False)]
            y = b[rng.choice(len(b), 1000, replace=False)]
            np.matmul(x, x.T), np.matmul(y, y.T), np.matmul(x, y.T)

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
        ("floor: float32 products alone", products_alone),
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


def kd_rows(a: np.ndarray, b: np.ndarray) -> list[tuple[str, Callable[[], object]]]:
    from benchbench.metrics.features import kernel_distance

    return [  # the full-set U-statistic: no reference library computes it
        ("benchbench", lambda: kernel_distance(a, b)),
        ("benchbench float32 Gram", lambda: kernel_distance(a, b, gram_dtype=np.float32)),
    ]


ROWS = {"FID": fid_rows, "KD": kd_rows, "KID": kid_rows, "PRDC": prdc_rows}
GIB = 2**30
# Memory the references need beyond their inputs, by the whole matrices they hold (bytes,
# for N samples per set): torch-fidelity's full P+R keeps an N×N float32 distance matrix
# (twice while concatenating its batches), the prdc package three of them.
NEEDS: dict[str, Callable[[int], int]] = {
    "torch-fidelity P+R": lambda n: 2 * n * n * 4,
    "prdc package P+R+D+C (k=5)": lambda n: 3 * n * n * 4,
}


def features(n: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(n, dim)).astype(np.float32)
    # shifted, not scaled: in 2,048 dimensions a 10% wider set lies wholly outside the
    # other's k-NN balls, and precision and recall would print 0 and 1
    b = (rng.normal(size=(n, dim)) + 0.05).astype(np.float32)
    return a, b


def child(metric: str, library: str, n: int, dim: int) -> None:
    """One timed call in this (fresh) process, printed as JSON for the parent."""
    a, b = features(n, dim)
    if metric == "baseline":
        seconds, value = 0.0, None
    else:
        fn = dict(ROWS[metric](a, b))[library]
        seconds, value = timed(fn)
    print(json.dumps({"seconds": seconds, "value": value}, default=float))


def run_child(metric: str, library: str, args: argparse.Namespace) -> tuple[float, object, float]:
    """Seconds, value and peak RSS (GiB, the child's ``ru_maxrss``) of one row."""
    command = [sys.executable, __file__, "--child", metric, library]
    command += ["--n", str(args.n), "--dim", str(args.dim)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{metric} {library} failed (exit {process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    return result["seconds"], result["value"], usage.ru_maxrss * 1024 / GIB


def skip_reason(library: str, args: argparse.Namespace) -> str | None:
    need = NEEDS.get(library, lambda n: 0)(args.n)
    if need > args.memory_gib * GIB:
        return f"needs {need / GIB:.1f} GiB of distance matrices > --memory-gib {args.memory_gib}"
    return None


def ratio(seconds: float, reference: float | None) -> str:
    return f"{seconds / reference:5.2f}x" if reference else "    —"


def report(metrics: list[str], times: dict, values: dict, peaks: dict, skipped: dict) -> None:
    print(
        f"{'metric':5} {'library':28} {'min s':>8} {'/fidelity':>9} {'/tmetrics':>9} "
        f"{'peak RSS':>9}  value"
    )
    for metric in metrics:
        names = [name for name, _ in ROWS[metric](*features(2, 2))]
        best = {name: min(times[metric, name]) for name in names if (metric, name) in times}
        fidelity = next((t for name, t in best.items() if name.startswith("torch-fidelity")), None)
        tmetrics = best.get("torchmetrics")
        for name in names:
            if (metric, name) in skipped:
                print(f"{metric:5} {name:28} {'skipped':>8}   ({skipped[metric, name]})")
                continue
            print(
                f"{metric:5} {name:28} {best[name]:8.2f} {ratio(best[name], fidelity):>9} "
                f"{ratio(best[name], tmetrics):>9} {max(peaks[metric, name]):7.2f}Gi  "
                f"{values[metric, name]}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; min kept")
    parser.add_argument("--memory-gib", type=float, default=8.0, help="skip references above")
    parser.add_argument(
        "--metrics", nargs="+", choices=list(ROWS), default=list(ROWS), help="default: all"
    )
    parser.add_argument("--child", nargs=2, metavar=("METRIC", "LIBRARY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.n, args.dim)
        return
    print(
        f"{args.n}×{args.dim} float32 features, {args.rounds} interleaved rounds, torch "
        f"threads {torch.get_num_threads()}, a subprocess per row",
        flush=True,
    )
    _, _, base = run_child("baseline", "", args)
    print(f"baseline child (interpreter, torch, the two input arrays): peak RSS {base:.2f} GiB")
    times: dict = {}
    values: dict = {}
    peaks: dict = {}
    skipped: dict = {}
    for round_ in range(args.rounds):
        for metric in args.metrics:
            rows = ROWS[metric]
            for name, fn in rows(*features(2, 2)):
                reason = skip_reason(name, args)
                if fn is None or reason:
                    skipped[metric, name] = reason or "no such metric"
                    continue
                seconds, value, peak = run_child(metric, name, args)
                times.setdefault((metric, name), []).append(seconds)
                peaks.setdefault((metric, name), []).append(peak)
                values[metric, name] = value
                print(
                    f"  round {round_ + 1} {metric:5} {name:28} {seconds:8.2f}s {peak:6.2f} GiB",
                    flush=True,
                )
    report(args.metrics, times, values, peaks, skipped)
    first, second = cache_speedup(min(args.n, 10_000))
    print(
        f"cache digits-cnn features of {min(args.n, 10_000)} images: first run {first:.2f}s, "
        f"second run {second:.3f}s ({first / second:.0f}× faster)"
    )


if __name__ == "__main__":
    main()
