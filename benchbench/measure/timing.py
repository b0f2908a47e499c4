"""The Timer: warm-up, device sync on both edges, repeats to a count *and* a duration.

Methodology (after optimum-benchmark and MLPerf): the first call is timed on its own
as the cold start (lazy initialisation, allocator growth, kernel selection); further
warm-up calls run untimed; steady-state calls are timed until both ``min_repeats``
and ``min_seconds`` are met. Every raw sample is kept, so statistics can be
recomputed and merged by joining lists, never by averaging averages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

R = TypeVar("R")
Clock = Callable[[], float]

# Every speed figure a cell may store (what a suite's gate may name).
SPEED_METRICS = (
    "samples_per_s",
    "latency_median_s",
    "latency_p90_s",
    "latency_p99_s",
    "timing_cv",
    "load_s",
    "compile_s",  # a compiled cell: the call that compiled its networks
    "first_batch_s",
    "tokens_per_s",  # text: new tokens / wall seconds, at the median call
    "ttft_median_s",  # text: time to the first new token of a batch
    "real_time_factor",  # audio: seconds of audio made per wall second, at the median call
    "frames_per_s",  # video: frames made per wall second (samples/s × frames per clip)
)


def no_sync() -> None:
    """Synchronisation for devices that run eagerly (the CPU)."""


@dataclass(frozen=True)
class TimingPolicy:
    warmup: int = 1
    min_repeats: int = 5
    min_seconds: float = 1.0
    max_repeats: int = 10_000

    def __post_init__(self) -> None:
        if self.warmup < 1:
            raise ValueError("warmup must be >= 1: the first call is the cold start, never steady")
        if self.min_repeats < 1 or self.max_repeats < self.min_repeats:
            raise ValueError("need 1 <= min_repeats <= max_repeats")


@dataclass
class Timing:
    """Raw samples of one measured callable and the statistics the report shows."""

    items_per_call: int
    first_call_seconds: float
    steady_seconds: list[float] = field(default_factory=list)
    warmup_seconds: list[float] = field(default_factory=list)

    @property
    def repeats(self) -> int:
        return len(self.steady_seconds)

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.steady_seconds, q))

    @property
    def median(self) -> float:
        return self.percentile(50)

    @property
    def cv(self) -> float:
        """Coefficient of variation of the steady samples (std / mean, ddof=1)."""
        samples = np.asarray(self.steady_seconds)
        if len(samples) < 2:
            return float("nan")
        return float(samples.std(ddof=1) / samples.mean())

    @property
    def items_per_second(self) -> float:
        """Throughput at the median call: items / wall seconds."""
        return self.items_per_call / self.median

    def items_per_second_at(self, q: float) -> float:
        """Throughput at the q-th percentile of *latency* (q=90 is a slow call)."""
        return self.items_per_call / self.percentile(q)


class Timer:
    """Times a callable under a policy; ``synchronize`` waits for queued device work."""

    def __init__(
        self,
        policy: TimingPolicy,
        synchronize: Callable[[], None] = no_sync,
        clock: Clock = time.perf_counter,
    ):
        self.policy = policy
        self.synchronize = synchronize
        self.clock = clock

    def time_call(self, fn: Callable[[], R]) -> tuple[R, float]:
        """``(result, seconds)`` of one call, with the device synchronised on both edges."""
        self.synchronize()
        start = self.clock()
        result = fn()
        self.synchronize()
        return result, self.clock() - start

    def measure(
        self,
        call: Callable[[int], R],
        items_per_call: int,
        min_calls: int = 0,
        on_result: Callable[[int, R], None] | None = None,
        prepare: Callable[[int], None] | None = None,
    ) -> Timing:
        """Time ``call(i)`` for steady indices i = 0, 1, ...; warm-up calls get i < 0.

        At least ``min_calls`` steady calls run (the caller may need their results);
        ``prepare(i)`` runs before call i's clock starts and ``on_result(i, result)`` after
        it stops: the harness's own work (seeding, inputs, checks) is never timed.
        """
        policy = self.policy

        def timed(i: int) -> tuple[R, float]:
            if prepare is not None:
                prepare(i)
            return self.time_call(lambda: call(i))

        _, first = timed(-1)
        timing = Timing(items_per_call=items_per_call, first_call_seconds=first)
        for w in range(1, policy.warmup):
            _, seconds = timed(-1 - w)
            timing.warmup_seconds.append(seconds)
        needed = max(policy.min_repeats, min_calls)
        measured = 0.0
        i = 0
        while i < needed or (measured < policy.min_seconds and i < policy.max_repeats):
            result, seconds = timed(i)
            timing.steady_seconds.append(seconds)
            measured += seconds
            if on_result is not None:
                on_result(i, result)
            i += 1
        return timing
