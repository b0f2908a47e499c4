"""Leaderboards from the store: a static HTML site, a Markdown summary, run comparisons.

The report reads only the store (``benchbench.store.runs.Store``); every module here has
one job: ``data`` loads, ``columns``/``ranking``/``leaderboard`` decide what is best
and what is tied, ``series``/``plots`` draw, ``site`` writes files, ``markdown`` and
``compare`` render text.
"""

from __future__ import annotations

from benchbench.report.compare import diff_runs
from benchbench.report.markdown import render_markdown
from benchbench.report.site import build_site

__all__ = ["build_site", "diff_runs", "render_markdown"]
