"""The DuckDB store, the only code that speaks SQL: ``runs`` (runs, cells, measurements,
timings, artifacts, environments) and ``human`` (studies, raters, tasks, votes); ``rows``
is what readers get back: typed rows in which a missing value is None."""
