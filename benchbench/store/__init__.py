"""The DuckDB store, the only code that speaks SQL: ``runs`` (runs, cells, measurements,
timings, artifacts, environments) and ``human`` (studies, raters, tasks, votes)."""
