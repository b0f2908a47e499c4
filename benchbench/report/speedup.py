"""Each speed variant's speed-up over its eager cell in the same run, with an interval.

A variant cell (compiled, channels-last, autocast) is compared with the cell of the run
that samples the same model (adapter and weights fingerprint), with the same params and batch size,
and no variant: the model name may differ (a suite lists ``ddpm`` and ``ddpm-bf16``).
The speed-up is the ratio of median steady latencies; its interval resamples each cell's
raw steady calls on its own (the cells are timed apart, so nothing pairs their calls).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from benchbench.hashing import canonical_json
from benchbench.metrics.stats import BootstrapSpec, bootstrap_medians
from benchbench.report.summary import Value
from benchbench.store.rows import StoredCell
from benchbench.store.runs import Store
from benchbench.suite.schema import Variant

SPEEDUP = "speedup_over_eager"  # the report's key for a variant cell's speed-up
# The interval's bootstrap, the same in bench run's table and the report.
SPEEDUP_BOOTSTRAP = BootstrapSpec(resamples=1000, confidence=0.95, seed=0)


def variant_settings(cell: StoredCell) -> dict:
    """The speed-variant knobs a cell was run with (empty for an eager cell)."""
    return {k: v for k, v in cell.suite_params.items() if k in Variant.model_fields}


def _twin(cell: StoredCell) -> str:
    """What an eager cell and its variants share."""
    return canonical_json([cell.adapter, cell.model_fingerprint, cell.params, cell.batch_size])


def median_ratio(eager: Sequence[float], variant: Sequence[float], spec: BootstrapSpec) -> Value:
    """``median(eager) / median(variant)`` (above 1: the variant is faster) with a
    percentile bootstrap interval, each sample set resampled independently."""
    rng = np.random.default_rng(spec.seed)
    eager_medians = bootstrap_medians(eager, spec.resamples, rng)
    ratios = eager_medians / bootstrap_medians(variant, spec.resamples, rng)
    low, high = np.percentile(ratios, spec.tails())
    value = float(np.median(eager) / np.median(variant))
    return Value(value, float(low), float(high), n=min(len(eager), len(variant)))


def speedup_signature(spec: BootstrapSpec = SPEEDUP_BOOTSTRAP) -> dict:
    """What a speed-up is, for the report's provenance."""
    return {
        "statistic": "median steady latency of the eager twin / of this cell",
        "twin": "same adapter, weights fingerprint, params and batch size, no variant",
        "ci": f"{spec.signature()},percentile,each cell resampled apart",
    }


def run_speedups(
    store: Store, run_id: str, spec: BootstrapSpec = SPEEDUP_BOOTSTRAP
) -> dict[int, Value]:
    """Per position of a complete variant cell with an eager twin in the run, its speed-up."""
    cells = [c for c in store.run_cells(run_id) if c.status == "complete"]
    steady: dict[int, list[float]] = {}
    for row in store.run_steady_timings(run_id).itertuples():
        steady.setdefault(row.position, []).append(row.seconds)
    eager = {_twin(c): c.position for c in cells if not variant_settings(c)}
    return {
        c.position: median_ratio(steady[eager[_twin(c)]], steady[c.position], spec)
        for c in cells
        if variant_settings(c) and _twin(c) in eager and c.position in steady
    }
