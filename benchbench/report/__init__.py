"""Leaderboards from the store: a static HTML site, a Markdown summary, run comparisons.

The report reads only the store (``benchbench.store.runs.Store``); every module here has
one job: ``data`` loads, ``columns``/``ranking``/``leaderboard`` decide what is best
and what is tied, ``series``/``plots`` draw, ``site`` writes files, ``markdown`` and
``compare`` render text; ``summary`` turns a run's stored cells into one row each.
"""
