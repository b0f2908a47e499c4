"""The leaderboard's columns: which measurements a run has, and what each one means.

Quality metrics are shown by label (``FD[digits-cnn]``), whatever a run has, with
their direction from the store; speed, the roofline (where counted), peak memory and
cold start follow. Each
column names the axis of the architecture debate it measures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from benchbench.report.data import Cell, Detail
from benchbench.report.speedup import SPEEDUP
from benchbench.report.summary import MEMORY_PREFERENCE, Value

# Metric name → the axis it speaks to; unknown quality metrics are plain "quality".
AXES = {
    "fd": "distribution distance",
    "kd": "distribution distance",
    "fid": "distribution distance",
    "fad": "distribution distance",
    "fvd": "distribution distance",
    "fd-frames": "per-frame distance",
    "kid": "distribution distance",
    "cmmd": "distribution distance",
    "mauve": "distribution distance",
    "precision": "fidelity",
    "density": "fidelity",
    "is": "fidelity",
    "recall": "diversity",
    "coverage": "diversity",
    "lpips_diversity": "diversity",
    "distinct_n": "diversity",
    "self_bleu": "diversity",
    "clip_score": "controllability",
    "class_accuracy": "controllability",
    "perplexity": "likelihood",
    "human_bt": "human preference",
    "human_mos": "human rating",
}
THROUGHPUT = {
    "samples_per_s": "samples/s",
    "tokens_per_s": "tokens/s",
    "real_time_factor": "real-time factor",
    "frames_per_s": "frames/s",
}
COLD_START = {"load_s": "load", "compile_s": "compile", "first_batch_s": "first batch"}
TRAINING_TIME = {"train_s": "training time"}  # a training cell's, evaluations excluded
# What a column needs said below the table, by key.
NOTES = {
    SPEEDUP: "speed-up over eager: a variant cell's median latency against the eager cell "
    "of the same weights, params and batch size, with a bootstrap interval",
    "compile_s": "compile: seconds of the call that compiled the networks, with inductor's "
    "on-disk cache cold (graphs built) or warm (loaded)",
}
# key → (title, unit, higher is better); roofline_bound shows its label ("compute", ...).
ROOFLINE = {
    "achieved_tflops": ("TFLOP/s", "", True),
    "peak_flops_fraction": ("of peak FLOP/s", "fraction", True),
    "roofline_bound": ("bound", "fraction", None),
}
PEAK = "peak"  # the key of the peak-memory column (the cell's preferred peak)


@dataclass(frozen=True)
class Column:
    key: str  # a summary key: quality label, speed metric, or PEAK
    group: str  # "quality" | "speed" | "memory" | "roofline"
    title: str
    axis: str
    unit: str
    higher_is_better: bool | None

    @property
    def id(self) -> str:
        return f"{self.group}:{self.key}"

    @property
    def direction(self) -> str:
        if self.higher_is_better is None:
            return ""
        return "higher is better" if self.higher_is_better else "lower is better"

    def value(self, cell: Cell) -> Value | None:
        return cell.value(self.group, self._key(cell))

    def detail(self, cell: Cell) -> Detail | None:
        return cell.details.get(self._key(cell))

    def _key(self, cell: Cell) -> str:
        if self.key == PEAK:
            peak = cell.summary.peak_memory
            return peak[0] if peak else ""
        return self.key


def columns_for(cells: Iterable[Cell]) -> list[Column]:
    cells = [c for c in cells if c.summary.status == "complete"]
    columns: list[Column] = []
    quality: dict[str, Detail] = {}
    for cell in cells:
        for label in cell.summary.quality:
            if label in cell.details:
                quality.setdefault(label, cell.details[label])
    # Quality metrics first (the primary column is among them), then a training run's
    # other per-cell figures (diverged, collapsed, best step, ...).
    for label, detail in sorted(quality.items(), key=lambda item: item[1].kind != "quality"):
        columns.append(
            Column(
                label,
                "quality",
                label,
                AXES.get(detail.metric, "quality" if detail.kind == "quality" else detail.kind),
                detail.unit,
                detail.higher_is_better,
            )
        )
    speed = {key for cell in cells for key in cell.summary.speed}
    columns += [
        Column(key, "speed", title, "speed", "", True)
        for key, title in THROUGHPUT.items()
        if key in speed
    ]
    if SPEEDUP in speed:
        columns.append(Column(SPEEDUP, "speed", "speed-up over eager", "speed", "×", True))
    counted = {key for cell in cells for key in cell.summary.roofline}
    columns += [
        Column(key, "roofline", title, "efficiency", unit, better)
        for key, (title, unit, better) in ROOFLINE.items()
        if key in counted
    ]
    peaks = [cell.summary.peak_memory[0] for cell in cells if cell.summary.peak_memory]
    if peaks:
        columns.append(Column(PEAK, "memory", memory_title(peaks), "memory", "bytes", False))
    columns += [
        Column(key, "speed", title, "cold start", "s", False)
        for key, title in COLD_START.items()
        if key in speed
    ]
    columns += [
        Column(key, "speed", title, "training", "s", False)
        for key, title in TRAINING_TIME.items()
        if key in speed
    ]
    return columns


def memory_title(peaks: list[str]) -> str:
    """Say which peak the column shows: GPU allocator or process RSS."""
    kinds = {name for name in peaks if name in MEMORY_PREFERENCE}
    if kinds and all(name.startswith("cuda") for name in kinds):
        return "peak GPU memory"
    if kinds and all(name.startswith("cpu") for name in kinds):
        return "peak RSS"
    return "peak memory"
