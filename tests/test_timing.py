"""The Timer on a fake clock: phases, stopping rule, statistics, synchronisation edges."""

from __future__ import annotations

import numpy as np
import pytest

from benchbench.measure.timing import Timer, TimingPolicy


class FakeClock:
    """Time moves only when the measured function says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def scripted(clock: FakeClock, durations: dict[int, float], default: float, log: list):
    def call(index: int) -> int:
        log.append(index)
        clock.now += durations.get(index, default)
        return index * 10

    return call


def test_phases_and_minimum_repeats():
    clock, log = FakeClock(), []
    durations = {-1: 5.0, -2: 0.7, -3: 0.6}  # cold first call, then two more warm-up calls
    timer = Timer(TimingPolicy(warmup=3, min_repeats=4, min_seconds=0.0), clock=clock)
    results = []
    timing = timer.measure(
        scripted(clock, durations, 0.5, log),
        items_per_call=8,
        on_result=lambda i, r: results.append((i, r)),
    )
    assert log == [-1, -2, -3, 0, 1, 2, 3]
    assert timing.first_call_seconds == pytest.approx(5.0)
    assert timing.warmup_seconds == pytest.approx([0.7, 0.6])
    assert timing.steady_seconds == pytest.approx([0.5] * 4)
    assert results == [(0, 0), (1, 10), (2, 20), (3, 30)]  # steady results only
    assert timing.items_per_second == pytest.approx(16.0)


def test_runs_until_both_count_and_duration_are_met():
    clock, log = FakeClock(), []
    timer = Timer(TimingPolicy(warmup=1, min_repeats=2, min_seconds=1.0), clock=clock)
    timing = timer.measure(scripted(clock, {}, 0.3, log), items_per_call=1)
    assert timing.repeats == 4  # 3 calls give 0.9 s < 1.0 s; the 4th reaches 1.2 s
    timing = Timer(TimingPolicy(warmup=1, min_repeats=5, min_seconds=0.1), clock=clock).measure(
        scripted(clock, {}, 0.3, []), items_per_call=1
    )
    assert timing.repeats == 5  # duration met early; the count still rules


def test_min_calls_for_quality_samples_and_max_repeats():
    clock = FakeClock()
    policy = TimingPolicy(warmup=1, min_repeats=2, min_seconds=100.0, max_repeats=6)
    timing = Timer(policy, clock=clock).measure(scripted(clock, {}, 1.0, []), 1, min_calls=3)
    assert timing.repeats == 6  # min_seconds unreachable: capped at max_repeats
    timing = Timer(policy, clock=clock).measure(scripted(clock, {}, 1.0, []), 1, min_calls=9)
    assert timing.repeats == 9  # the samples the caller needs win over the cap


def test_statistics_match_numpy():
    clock = FakeClock()
    steady = [0.10, 0.12, 0.11, 0.30, 0.09, 0.10, 0.13, 0.11]
    durations = dict(enumerate(steady))
    timer = Timer(TimingPolicy(warmup=1, min_repeats=len(steady), min_seconds=0.0), clock=clock)
    timing = timer.measure(scripted(clock, durations, 1.0, []), items_per_call=32)
    assert timing.steady_seconds == pytest.approx(steady)
    assert timing.median == pytest.approx(np.median(steady))
    assert timing.percentile(90) == pytest.approx(np.percentile(steady, 90))
    assert timing.percentile(99) == pytest.approx(np.percentile(steady, 99))
    assert timing.cv == pytest.approx(np.std(steady, ddof=1) / np.mean(steady))
    assert timing.items_per_second == pytest.approx(32 / np.median(steady))
    assert timing.items_per_second_at(90) == pytest.approx(32 / np.percentile(steady, 90))


def test_device_is_synchronised_on_both_edges_of_every_timed_call():
    clock, events = FakeClock(), []

    def call(index: int) -> None:
        events.append(("call", index))
        clock.now += 1.0

    timer = Timer(
        TimingPolicy(warmup=2, min_repeats=2, min_seconds=0.0),
        synchronize=lambda: events.append("sync"),
        clock=clock,
    )
    timer.measure(call, items_per_call=1)
    calls = [i for i, e in enumerate(events) if e != "sync"]
    assert len(calls) == 4
    for position in calls:
        assert events[position - 1] == "sync" and events[position + 1] == "sync"


def test_policy_rejects_zero_warmup():
    with pytest.raises(ValueError, match="warmup"):
        TimingPolicy(warmup=0)


def test_prepare_runs_before_each_call_and_is_never_timed():
    clock, log, prepared = FakeClock(), [], []

    def prepare(index: int) -> None:  # the harness's own work: slow, and must not count
        prepared.append(index)
        clock.now += 100.0

    timer = Timer(TimingPolicy(warmup=2, min_repeats=3, min_seconds=0.0), clock=clock)
    timing = timer.measure(scripted(clock, {-1: 2.0}, 0.5, log), items_per_call=1, prepare=prepare)
    assert prepared == log == [-1, -2, 0, 1, 2]
    assert timing.first_call_seconds == pytest.approx(2.0)
    assert timing.warmup_seconds == pytest.approx([0.5])
    assert timing.steady_seconds == pytest.approx([0.5] * 3)
