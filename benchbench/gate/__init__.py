"""The regression gate: a run's ``baseline`` snapshot against the accepted one, compared
cell by cell (``compare``), reported as Markdown and JUnit (``output``)."""
