"""The raw data behind a report, as CSV and Parquet files: the runs shown, their
environments and cells, every measurement with its signature, every raw timing.

Read from the store (``Store.export_tables``; artifact blobs are left out, the galleries
hold the grids), written by a separate in-memory DuckDB (the store's connection writes
nothing).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchbench.store.runs import connect

FORMATS = ("csv", "parquet")


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Each table as ``<name>.csv`` and ``<name>.parquet`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with connect() as con:
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
