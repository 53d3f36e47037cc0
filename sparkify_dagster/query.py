"""SQL over the lake with DuckDB: every table is a view named after it."""

from pathlib import Path

import duckdb

from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.tables import ALL_TABLES


def connect(lake_root: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per materialized table of the lake.

    Files hold exactly the table's columns; the `date=` directories are layout only, so the
    views read them without hive partitioning.
    """
    lake = ParquetLake(lake_root)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # Sparkify days and hours are UTC
    for table in ALL_TABLES:
        if not lake.exists(table):
            continue
        pattern = f"{lake.path(table)}/{'*/*.parquet' if table.daily else '*.parquet'}"
        glob = pattern.replace("'", "''")
        con.execute(
            f'CREATE VIEW "{table.name}" AS '
            f"SELECT * FROM read_parquet('{glob}', hive_partitioning = false)"
        )
    return con


def available_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(
        row[0]
        for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    )
