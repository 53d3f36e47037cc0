"""Read-only SQL over the lake with DuckDB: every table is a view named after it.

The warehouse's models (dbt_project.Warehouse.read_copy) are views too, by their names.

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

# The warehouse's read copy, attached read-only under this name.
WAREHOUSE_CATALOG = "warehouse"
# A view whose SQL calls one of these reads files when queried.
_FILE_FUNCTIONS = r"\b(read_[a-z_]+|parquet_scan|glob)\s*\("
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


def models_reading_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The warehouse's views that read lake files themselves when queried (dbt views over
    external sources): no query here may read a file, so they are left out; the lake tables
    they select from are views here already."""
    return sorted(
        name
        for (name,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = ? AND "
            f"regexp_matches(sql, '{_FILE_FUNCTIONS}')",
            [WAREHOUSE_CATALOG],
        ).fetchall()
    )


def _warehouse_views(con: duckdb.DuckDBPyConnection, read_copy: Path) -> None:
    """The warehouse's read copy attached read-only, each model a view by its name, whatever
    its schema (a lake table of the same name keeps the name); not models_reading_files."""
    con.execute(f"ATTACH '{_sql_text(str(read_copy))}' AS {WAREHOUSE_CATALOG} (READ_ONLY)")
    taken = set(available_tables(con))
    reads_files = set(models_reading_files(con))
    relations = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = ? ORDER BY table_schema, table_name",
        [WAREHOUSE_CATALOG],
    ).fetchall()
    for schema, name in relations:
        if name in taken or name in reads_files:
            continue
        taken.add(name)
        con.execute(
            f"CREATE VIEW {_identifier(name)} AS SELECT * FROM "
            f"{WAREHOUSE_CATALOG}.{_identifier(schema)}.{_identifier(name)}"
        )


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect(lake_root: str | Path, warehouse: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one read-only view per materialized table of a local lake, and
    one per model of the warehouse's read copy `warehouse` when it exists.

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
    if warehouse is not None and warehouse.is_file():
        _warehouse_views(con, warehouse)
    # From here on DuckDB opens no file, URL or extension; the settings cannot be changed back.
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
    return con


def available_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(
        row[0]
        for row in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name <> ?",
            [WAREHOUSE_CATALOG],
        ).fetchall()
    )
