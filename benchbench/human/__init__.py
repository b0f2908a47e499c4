"""Human evaluation: blinded A/B and rating-scale studies on the samples a run stored.

``study`` reads the study YAML; ``samples`` turns stored artifacts into items (an image
or a string); ``design`` builds the task pool and each rater's assignment; ``service``
admits raters, shows their tasks and records their votes, and ``server`` is its web app;
``stats`` holds the statistics (Bradley–Terry, MOS, Krippendorff's alpha) and ``results``
applies them to a study; ``interchange`` moves tasks and votes through CSV for crowd
platforms. Studies, tasks, raters and votes are kept in the run's DuckDB file by
``benchbench.store.human``: the storage layer, not this
package, speaks SQL.
"""
