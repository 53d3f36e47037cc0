"""Read-only SQL over the lake with DuckDB: every table is a view named after it.

The warehouse's models (dbt_project.Warehouse.read_copy) are views too, by their names.

The lake is shared with the pipeline, so a query must not change it nor reach past it. DuckDB
enforces that, not a reading of the SQL by us: each table is handed to DuckDB as a pyarrow
dataset (opened here, by Python); then DuckDB's external access is switched off but for the
lake's table directories (`allowed_directories`: the warehouse's staging views read their
parquet there when queried) and an empty spill directory of our own, and its configuration
locked, so no statement reads or attaches a file anywhere else (`read_text('/etc/passwd')`,
`ATTACH 'x.db'`). DuckDB lets a statement write where it may read, so `run_query` runs only
what DuckDB's parser calls a SELECT (or a SET, which the lock refuses but for variables):
`COPY … TO`, `EXPLAIN ANALYZE COPY …`, `ATTACH` are refused before anything runs.
"""

import tempfile
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.tables import ALL_TABLES, PARTITION_COLUMN, Table

# The warehouse's read copy, attached read-only under this name.
WAREHOUSE_CATALOG = "warehouse"
# The `date=YYYY-MM-DD` directories of daily tables become a DATE column of their views.
DAY_PARTITIONING = ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.date32())]), flavor="hive")


# The statements `run_query` runs (by DuckDB's parser): SELECT is also DESCRIBE, SHOW, SUMMARIZE
# and FROM-first; SET is also SET VARIABLE and USE (settings are refused: the configuration is
# locked). EXPLAIN is not among them: EXPLAIN ANALYZE runs its statement, a COPY … TO included.
READING_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.SET})


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


def _warehouse_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = ? ORDER BY table_schema, table_name",
        [WAREHOUSE_CATALOG],
    ).fetchall()


def models_reading_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The warehouse's models left out of `connect`'s views: dbt views that cannot be read here,
    those over files outside this lake's tables (a read copy built for the lake at another path,
    e.g. a copied lake)."""
    shown = set(available_tables(con))
    return sorted({name for _, name in _warehouse_relations(con)} - shown)


def _warehouse_views(con: duckdb.DuckDBPyConnection) -> None:
    """Each model of the attached read copy a view by its name, whatever its schema (a lake
    table of the same name keeps the name), if it can be read with file access confined to the
    lake's tables: binding it tells (a view over files elsewhere is refused then)."""
    taken = set(available_tables(con))
    for schema, name in _warehouse_relations(con):
        qualified = f"{WAREHOUSE_CATALOG}.{_identifier(schema)}.{_identifier(name)}"
        if name in taken:
            continue
        try:
            con.execute(f"DESCRIBE SELECT * FROM {qualified}")
        except duckdb.Error:  # files outside the lake's tables, or none left where it points
            continue
        taken.add(name)
        con.execute(f"CREATE VIEW {_identifier(name)} AS SELECT * FROM {qualified}")


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@cache
def _spill_root() -> tempfile.TemporaryDirectory:
    """This process's directory for DuckDB's spill files, removed when the process ends."""
    return tempfile.TemporaryDirectory(prefix="sparkify-query-")


def _spill_directory() -> str:
    """A new directory for one connection's spill files. DuckDB lets statements read and write
    its temporary directory even with external access off, and by default that is `.tmp` in
    the current directory, where anything may be: so it is one of our own, empty."""
    return tempfile.mkdtemp(dir=_spill_root().name)


def table_directories(lake_root: str | Path) -> list[str]:
    """The lake's table directories, as the warehouse's views name them (the lake's resolved
    path: dbt_project.Warehouse), each ending in a slash: what DuckDB may open."""
    lake = Path(lake_root).expanduser().resolve()
    return sorted(f"{lake / table.relative_path}/" for table in ALL_TABLES)


def connect(lake_root: str | Path, warehouse: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one read-only view per materialized table of a local lake, and
    one per model of the warehouse's read copy `warehouse` when it exists.

    Daily tables have their `date` partition as a DATE column. A damaged file fails the
    queries that scan it, with an error naming the file. DuckDB opens no file outside the lake's
    table directories; SQL that is not ours goes through `run_query`, which keeps those
    directories read-only.
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
    attached = warehouse is not None and warehouse.is_file()
    if attached:
        con.execute(f"ATTACH '{_sql_text(str(warehouse))}' AS {WAREHOUSE_CATALOG} (READ_ONLY)")
    # From here on DuckDB opens no file but in the lake's table directories (and its spill
    # directory), no URL and no extension; the settings cannot be changed back.
    con.execute(f"SET temp_directory = '{_sql_text(_spill_directory())}'")
    allowed = ", ".join(f"'{_sql_text(d)}'" for d in table_directories(lake_root))
    con.execute(f"SET allowed_directories = [{allowed}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
    if attached:
        _warehouse_views(con)
    return con


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyRelation | None:
    """`sql` on a `connect` connection, if every statement in it only reads (READING_STATEMENTS,
    told by DuckDB's parser); else duckdb.PermissionException, before any statement runs. Our
    check, because the directories DuckDB may read are ones it may write as well."""
    for statement in con.extract_statements(sql):
        if statement.type not in READING_STATEMENTS:
            raise duckdb.PermissionException(
                f"a {statement.type.name} statement is not run here, only SELECT"
            )
    return con.sql(sql)


def available_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(
        row[0]
        for row in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name <> ?",
            [WAREHOUSE_CATALOG],
        ).fetchall()
    )
