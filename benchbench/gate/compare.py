"""The regression gate: a run against a baseline, cell by cell and metric by metric.

A metric regresses when it moves in its bad direction by more than its tolerance
*and*, where the data allows a test, the move is significant (p < alpha) — so noise
alone does not fail a build (asv's rule). Quality metrics are tested with their
confidence intervals (a one-sided z-test on the CI-derived standard errors);
throughput with a one-sided Mann–Whitney U test on the raw call durations. With too
few repeats for a test to reach alpha, the tolerance decides alone, and the note says
so. Two numbers with different signatures were computed differently: that is an
error, not a comparison. Timings and memory are compared only between cells measured
on the same device model (each cell's own: a cluster run may mix machines).

The gate never passes what it could not check: a cell or metric missing from either
side, a failed cell on either side, a value, CI bound or timing sample that is missing
or not finite, and a run that did not complete every planned cell are failures, each
with its reason; none of them is read as a direction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from math import comb, isfinite, sqrt

from scipy import stats

from benchbench.gate.baseline import CellSnapshot, MetricSnapshot, Snapshot
from benchbench.records import DEVICE_BOUND_KINDS
from benchbench.suite.schema import DEFAULT_TOLERANCES, GateSpec, Tolerance

# Gated without being named in the suite: quality metrics, the stability figures of a
# training setting (collapse and divergence rates, final-quality spread, ...), throughput,
# and GPU memory. CPU peak RSS is process-wide (it includes whatever earlier cells left
# allocated), so it is gated only when a suite asks for it.
DEFAULT_GATED = ("samples_per_s", "cuda_max_allocated")
GATED_KINDS = ("quality", "stability")


class Status(StrEnum):
    PASS = "pass"
    REGRESSED = "regressed"
    IMPROVED = "improved"
    NOT_COMPARABLE = "not comparable"
    NO_BASELINE = "no baseline"
    MISSING = "missing"
    FAILED = "failed"
    ERROR = "error"


FAILING = {Status.REGRESSED, Status.MISSING, Status.FAILED, Status.NO_BASELINE}
RUN_ROW = "(this run)"  # the cell column of a row about the whole run
ACCEPT_HINT = "accept a baseline that has it (bench baseline accept) to gate it"


@dataclass(frozen=True)
class Comparison:
    cell: str
    metric: str
    status: Status
    baseline: float | None = None
    current: float | None = None
    bound: float | None = None  # the allowed move in the bad direction, in the metric's unit
    p_value: float | None = None
    note: str = ""

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline


@dataclass(frozen=True)
class GateResult:
    suite: str
    comparisons: list[Comparison]
    baseline: Snapshot | None = None  # None: the gate stopped before reading it
    current: Snapshot | None = None  # None: no run to gate (it never started)

    def stopped(self, status: Status, reason: str) -> GateResult:
        """This result with a first row saying why the gate or its run stopped."""
        row = Comparison(RUN_ROW, "*", status, note=reason)
        return replace(self, comparisons=[row, *self.comparisons])

    @property
    def exit_code(self) -> int:
        """0 pass, 1 regression, 2 error (numbers that cannot be compared)."""
        statuses = {c.status for c in self.comparisons}
        if Status.ERROR in statuses:
            return 2
        return 1 if statuses & FAILING else 0

    def count(self, status: Status) -> int:
        return sum(c.status == status for c in self.comparisons)


def gated_metrics(cell: CellSnapshot, spec: GateSpec) -> list[str]:
    chosen = [
        name
        for name, m in cell.metrics.items()
        if (m.kind in GATED_KINDS or name in DEFAULT_GATED or name in spec.tolerances)
        and name not in spec.ignore
    ]
    return sorted(chosen)


def compare_runs(baseline: Snapshot, current: Snapshot, spec: GateSpec) -> GateResult:
    by_identity = {cell.identity: cell for cell in current.cells}
    comparisons: list[Comparison] = []
    if current.partial:
        note = f"this run is partial ({current.partial}): the gate needs every planned cell"
        comparisons.append(Comparison(RUN_ROW, "*", Status.FAILED, note=note))
    for old in baseline.cells:
        comparisons += compare_cell(
            old, by_identity.pop(old.identity, None), spec, baseline, current
        )
    unmatched = f"not in the baseline: {ACCEPT_HINT}"
    if baseline.partial:
        unmatched = f"not in the baseline, which is partial ({baseline.partial}): {ACCEPT_HINT}"
    comparisons.extend(
        Comparison(cell.label, "*", Status.NO_BASELINE, note=unmatched)
        for cell in by_identity.values()
    )
    if not comparisons:  # every "*" row already fails; an empty list would pass
        note = "no metric was compared (the baseline has no cells, or the suite ignores them all)"
        comparisons.append(Comparison(RUN_ROW, "*", Status.FAILED, note=note))
    return GateResult(current.suite, comparisons, baseline, current)


def compare_cell(
    old: CellSnapshot,
    new: CellSnapshot | None,
    spec: GateSpec,
    baseline: Snapshot,
    current: Snapshot,
) -> list[Comparison]:
    """Every gated metric of one cell, or one row saying why the cell cannot be compared."""
    if new is None:
        return [Comparison(old.label, "*", Status.MISSING, note="cell not in this run")]
    if new.status != "complete":
        return [Comparison(new.label, "*", Status.FAILED, note=_first_line(new))]
    if old.status != "complete":
        note = f"no baseline values: the baseline's cell {old.status}: {_first_line(old)}"
        return [Comparison(old.label, "*", Status.FAILED, note=note)]
    metrics = sorted({*gated_metrics(old, spec), *gated_metrics(new, spec)})
    return [compare_metric(old, new, metric, spec, baseline, current) for metric in metrics]


def _first_line(cell: CellSnapshot) -> str:
    return cell.error.splitlines()[0] if cell.error else cell.status


def compare_metric(
    old_cell: CellSnapshot,
    new_cell: CellSnapshot,
    metric: str,
    spec: GateSpec,
    baseline: Snapshot,
    current: Snapshot,
) -> Comparison:
    label = old_cell.label
    old = old_cell.metrics.get(metric)
    new = new_cell.metrics.get(metric)
    old_device = old_cell.device_name or baseline.device_name
    new_device = new_cell.device_name or current.device_name
    if (old or new).kind in DEVICE_BOUND_KINDS and old_device != new_device:
        return Comparison(
            label,
            metric,
            Status.NOT_COMPARABLE,
            old.value if old else None,
            new.value if new else None,
            note=f"baseline measured on {old_device}, this run on {new_device}",
        )
    if old is None:
        note = f"metric not in the baseline: {ACCEPT_HINT}"
        return Comparison(label, metric, Status.NO_BASELINE, current=new.value, note=note)
    if new is None:
        return Comparison(label, metric, Status.MISSING, old.value, note="metric not in this run")
    if old.signature_hash and new.signature_hash and old.signature_hash != new.signature_hash:
        return Comparison(
            label,
            metric,
            Status.ERROR,
            old.value,
            new.value,
            note=f"signature differs ({old.signature_hash} vs {new.signature_hash}): "
            f"computed differently, not comparable",
        )
    unusable = _unusable("baseline", old) or _unusable("this run's", new)
    if unusable:
        return Comparison(label, metric, Status.FAILED, old.value, new.value, note=unusable)
    # Only kinds gated by default have a default tolerance (a training run's per-seed
    # "training" measurements are gated only when the suite names them).
    named = metric in spec.tolerances
    tolerance = spec.tolerances[metric] if named else DEFAULT_TOLERANCES[old.kind]
    higher_is_better, problem = _higher_is_better(tolerance, old, new)
    if problem:
        return Comparison(label, metric, Status.ERROR, old.value, new.value, note=problem)
    sign = -1.0 if higher_is_better else 1.0
    worsening = sign * (new.value - old.value)  # > 0: moved in the bad direction
    bound = _bound(tolerance, old.value)
    if abs(worsening) <= bound:
        return Comparison(label, metric, Status.PASS, old.value, new.value, bound)
    p_value, note = significance(old, new, worsening > 0, spec.alpha)
    if p_value is not None and p_value >= spec.alpha:
        note = f"beyond tolerance but not significant (p={p_value:.3g} >= {spec.alpha})"
        return Comparison(label, metric, Status.PASS, old.value, new.value, bound, p_value, note)
    status = Status.REGRESSED if worsening > 0 else Status.IMPROVED
    return Comparison(label, metric, status, old.value, new.value, bound, p_value, note)


def _unusable(side: str, metric: MetricSnapshot) -> str | None:
    """Why ``metric`` cannot be compared (a missing or non-finite number), or None."""
    if metric.value is None:
        return f"{side} value is missing"
    if not isfinite(metric.value):
        return f"{side} value is {metric.value}: not a finite number"
    if any(b is not None and not isfinite(b) for b in (metric.ci_low, metric.ci_high)):
        return f"{side} CI [{metric.ci_low}, {metric.ci_high}] is not finite"
    if metric.ci_level is not None and not 0 < metric.ci_level < 1:
        return f"{side} CI level {metric.ci_level} is not between 0 and 1"
    bad = [s for s in metric.samples or () if not isfinite(s) or s < 0]
    if bad:
        return f"{side} timing samples include {bad[0]}: not a finite duration"
    return None


def _higher_is_better(
    tolerance: Tolerance, old: MetricSnapshot, new: MetricSnapshot
) -> tuple[bool, str | None]:
    """The metric's good direction, or why it is unknown: the suite's tolerance says it, or
    else the metric itself, as this run's code recorded it (a baseline file, edited or
    written by another version, cannot turn a regression into an improvement)."""
    if tolerance.direction is not None:
        return tolerance.direction == "higher_is_better", None
    if new.higher_is_better is None:
        return False, "the metric states no direction: set it in the suite's gate.tolerances"
    if old.higher_is_better not in (None, new.higher_is_better):
        return False, (
            f"the baseline says {_direction(old)}, this run's metric {_direction(new)}: "
            "not comparable"
        )
    return new.higher_is_better, None


def _direction(metric: MetricSnapshot) -> str:
    return "higher is better" if metric.higher_is_better else "lower is better"


def _bound(tolerance: Tolerance, baseline_value: float) -> float:
    """The allowed move: the larger of the absolute and the relative bound."""
    bounds = [tolerance.abs or 0.0]
    if tolerance.rel is not None:
        bounds.append(tolerance.rel * abs(baseline_value))
    return max(bounds)


def significance(
    old: MetricSnapshot, new: MetricSnapshot, worse: bool, alpha: float
) -> tuple[float | None, str]:
    """One-sided p-value that ``new`` moved in the observed direction, and a note."""
    if old.samples and new.samples:
        return _mann_whitney(old.samples, new.samples, worse, alpha)
    if None not in (old.ci_low, old.ci_high, new.ci_low, new.ci_high) and old.ci_level:
        z_crit = stats.norm.ppf(0.5 + old.ci_level / 2)
        se = sqrt(
            ((old.ci_high - old.ci_low) / (2 * z_crit)) ** 2
            + ((new.ci_high - new.ci_low) / (2 * z_crit)) ** 2
        )
        if se == 0:
            return 0.0, "z-test on the CIs (both intervals have zero width)"
        z = abs(new.value - old.value) / se
        return float(stats.norm.sf(z)), "z-test on the CIs"
    return None, "no CI or samples: decided by the tolerance alone"


def _mann_whitney(
    old: list[float], new: list[float], worse: bool, alpha: float
) -> tuple[float | None, str]:
    """Call durations: a regression means the new calls take *longer*."""
    smallest_p = 1.0 / comb(len(old) + len(new), len(old))
    if smallest_p >= alpha:
        return None, (
            f"{len(old)} vs {len(new)} timed calls cannot reach p < {alpha}: "
            f"decided by the tolerance alone"
        )
    alternative = "greater" if worse else "less"
    result = stats.mannwhitneyu(new, old, alternative=alternative)
    return float(result.pvalue), "Mann–Whitney U on call durations"
