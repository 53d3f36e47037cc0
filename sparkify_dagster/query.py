"""Read-only SQL over the lake with DuckDB: every table is a view named after it.

The lake is shared with the pipeline, so a query must not change it nor reach past it. DuckDB's
own settings enforce that rather than a reading of the SQL: each table is handed to DuckDB as
a pyarrow dataset (opened here, by Python), then DuckDB's external access is switched off and
its configuration locked. With no file path allowed, no statement can read, write, delete or
attach a file: `COPY … TO`, `ATTACH 'x.db'`, `read_text('/etc/passwd')` and `read_parquet(…)`
are all refused, while the views read on.
"""

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.tables import ALL_TABLES, PARTITION_COLUMN, Table

# The `date=YYYY-MM-DD` directories of daily tables become a DATE column of their views.
DAY_PARTITIONING = ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.date32())]), flavor="hive")


class LakeReadError(RuntimeError):
    """No file of a table can be opened: the message names one."""


def _table_schema(table: Table, files: list[str]) -> pa.Schema:
    """The schema of the table's first readable file (they all share it), plus the partition
    column: a damaged file then fails only the queries that scan it."""
    unreadable = []
    for path in files:
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as error:
            unreadable.append(f"{path}: {error}")
            continue
        return schema.append(pa.field(PARTITION_COLUMN, pa.date32())) if table.daily else schema
    raise LakeReadError(f"Cannot read table {table.name}: {unreadable[0]}")


def connect(lake_root: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one read-only view per materialized table of a local lake.

    Daily tables have their `date` partition as a DATE column. A damaged file fails the
    queries that scan it, with an error naming the file.
    """
    lake = ParquetLake(lake_root)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # Sparkify days and hours are UTC
    for table in ALL_TABLES:
        files = lake.parquet_files(table)
        if not files:
            continue
        dataset = ds.dataset(
            files,
            schema=_table_schema(table, files),
            format="parquet",
            partitioning=DAY_PARTITIONING if table.daily else None,
            partition_base_dir=lake.path(table),
        )
        con.register(table.name, dataset)
    # From here on DuckDB opens no file, URL or extension; the settings cannot be changed back.
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
    return con


def available_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(
        row[0]
        for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    )
