"""Leaderboard logic without a store: best and ties from intervals, ranks, the Pareto
front, number formatting and Markdown escaping."""

from __future__ import annotations

import pytest

from benchbench.report.assets import slugify
from benchbench.report.format import interval, number, quantity
from benchbench.report.markdown import escape
from benchbench.report.ranking import Mark, marks, overlap, pareto_front, ranks
from benchbench.report.summary import Value


def v(value: float, low: float | None = None, high: float | None = None) -> Value:
    return Value(value, low, high)


def test_overlapping_intervals_are_tied_with_the_best():
    values = [v(10, 8, 12), v(11, 9.5, 13), v(20, 18, 22), None]
    assert marks(values, higher_is_better=False) == [Mark.BEST, Mark.TIED, Mark.NONE, Mark.NONE]
    assert marks(values, higher_is_better=True) == [Mark.NONE, Mark.NONE, Mark.BEST, Mark.NONE]


def test_without_intervals_only_equal_values_share_best():
    assert marks([v(1), v(1), v(2)], higher_is_better=False) == [Mark.BEST, Mark.BEST, Mark.NONE]
    assert marks([v(1), v(2)], higher_is_better=None) == [Mark.NONE, Mark.NONE]


def test_rank_counts_only_clearly_better_cells():
    # a and b overlap; c is clearly worse than both; d overlaps c only
    values = [v(10, 8, 12), v(11, 9, 13), v(20, 18, 22), v(23, 21.5, 25), None]
    assert ranks(values, higher_is_better=False) == [1, 1, 3, 3, None]
    assert ranks([v(3), v(2), v(2)], higher_is_better=True) == [1, 2, 2]


def test_overlap_needs_both_intervals():
    assert overlap(v(1, 0, 2), v(3, 2, 4)) is True
    assert overlap(v(1, 0, 2), v(3, 2.5, 4)) is False
    assert overlap(v(1, 0, 2), v(3)) is None


@pytest.mark.parametrize(
    ("maximize", "front"),
    [
        ((True, True), [False, True, True, False]),
        ((True, False), [False, False, False, True]),
    ],
)
def test_pareto_front(maximize, front):
    # (throughput, quality)
    points = [(1.0, 1.0), (1.0, 5.0), (10.0, 3.0), (10.0, 0.5)]
    assert pareto_front(points, maximize) == front


def test_formatting():
    assert number(388_123) == "388k" and number(1_024) == "1.02k" and number(0.0123) == "0.0123"
    assert number(float("nan")) == "–"
    assert quantity(896_000_000, "bytes") == "854 MiB" and quantity(3 * 2**30, "bytes") == "3.0 GiB"
    assert quantity(0.0042, "s") == "4.2 ms" and quantity(4.2e-6, "s") == "4.2 µs"
    assert interval(v(5, 4, 6.5)) == "[4–6.5]" and interval(v(5)) == ""


def test_markdown_escape_keeps_user_text_literal():
    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape("a|b *c* [d](e) `f`") == "a\\|b \\*c\\* \\[d\\](e) \\`f\\`"


def test_slugs_are_safe_and_distinct():
    assert slugify("quick") == "quick"
    assert slugify("../x y") != slugify("x-y") and "/" not in slugify("../x y")
    assert slugify("<img src=x>").startswith("img-src-x-")
