"""The raw data behind a report, as CSV and Parquet files: the runs shown, their
environments and cells, every measurement with its signature, every raw timing.

Read from the store with SQL, written by a separate in-memory DuckDB (the store's
connection writes nothing). Artifact blobs are left out: the galleries hold the grids.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from benchbench.store import Store

CELLS_OF_RUNS = "SELECT DISTINCT cell_id FROM run_cells WHERE run_id IN ({runs})"
TABLES = {
    "runs": "SELECT * FROM runs WHERE run_id IN ({runs}) ORDER BY started_at, run_id",
    "run_cells": "SELECT * FROM run_cells WHERE run_id IN ({runs}) ORDER BY run_id, position",
    "environments": "SELECT * FROM environments WHERE env_id IN "
    "(SELECT env_id FROM runs WHERE run_id IN ({runs}) UNION "
    f"SELECT env_id FROM cells WHERE cell_id IN ({CELLS_OF_RUNS})) ORDER BY env_id",
    "cells": f"SELECT * FROM cells WHERE cell_id IN ({CELLS_OF_RUNS}) ORDER BY started_at, cell_id",
    "measurements": "SELECT * FROM measurements WHERE cell_id IN "
    f"({CELLS_OF_RUNS}) ORDER BY cell_id, metric",
    "timing_samples": "SELECT * FROM timing_samples WHERE cell_id IN "
    f"({CELLS_OF_RUNS}) ORDER BY cell_id, phase, idx",
}
FORMATS = ("csv", "parquet")


def read_tables(store: Store, run_ids: list[str]) -> dict[str, pd.DataFrame]:
    marks = ", ".join("?" * len(run_ids))
    return {
        name: store.query(sql.format(runs=marks), run_ids * sql.count("{runs}"))
        for name, sql in TABLES.items()
    }


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Each table as ``<name>.csv`` and ``<name>.parquet`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect() as con:
        for name, frame in tables.items():
            relation = con.from_df(frame)
            for suffix in FORMATS:
                path = folder / f"{name}.{suffix}"
                if suffix == "csv":
                    relation.write_csv(str(path))
                else:
                    relation.write_parquet(str(path))
                written.append(path)
    return written
