"""One row per cell of a run, read from the store: what the results table shows.

The table printed at the end of ``bench run`` is built from the store, not from
the runner's memory, so what a user reads is exactly what was saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchbench.store.runs import Store

# The peak that best describes a cell's memory, in order of preference.
MEMORY_PREFERENCE = ("cuda_max_allocated", "cpu_peak_rss", "cpu_peak_rss_since_start")
# Measurement kinds with a group of their own; every other kind is read as quality.
SUMMARY_GROUPS = ("speed", "memory", "roofline")


@dataclass(frozen=True)
class Value:
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    warnings: tuple[str, ...] = ()
    label: str | None = None  # a category beside the value (the roofline bound)


@dataclass
class CellSummary:
    position: int
    model: str
    family: str
    suite_params: dict  # the params the suite file set (what tells cells apart)
    status: str
    reused: bool
    error: str | None
    speed: dict[str, Value] = field(default_factory=dict)
    memory: dict[str, Value] = field(default_factory=dict)
    roofline: dict[str, Value] = field(default_factory=dict)  # see benchbench.measure.efficiency
    quality: dict[str, Value] = field(default_factory=dict)  # by label, e.g. "FD[digits-cnn]"

    @property
    def peak_memory(self) -> tuple[str, float] | None:
        for name in MEMORY_PREFERENCE:
            if name in self.memory:
                return name, self.memory[name].value
        return None


def summarize_run(store: Store, run_id: str) -> list[CellSummary]:
    rows = {
        c.position: CellSummary(
            position=c.position,
            model=c.model_name,
            family=c.family,
            suite_params=c.suite_params,
            status=c.status,
            reused=c.reused,
            error=c.error,
        )
        for c in store.run_cells(run_id)
    }
    for m in store.run_measurements(run_id):
        value = Value(
            m.value,
            m.ci_low,
            m.ci_high,
            m.n,
            m.warnings,
            None if m.kind == "quality" or m.label == m.metric else m.label,
        )
        row = rows[m.position]
        group = getattr(row, m.kind) if m.kind in SUMMARY_GROUPS else row.quality
        group[m.label if m.kind == "quality" else m.metric] = value
    return [rows[k] for k in sorted(rows)]
