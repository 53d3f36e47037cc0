"""The dbt project's sources and staging models (sparkify_dagster/warehouse/models/staging/),
generated from the table registry (sparkify_dagster/tables.py).

Each table's place in the lake, its columns, their types and descriptions are stated once, in the
registry; the warehouse reads the same parquet files, so its sources and their one-to-one staging
views are renderings of it (plus the few renames below). Every table that is an asset is a source,
mapped to that asset's key so Dagster's lineage runs from the star tables into the dbt models.
After changing the registry, run from the project root:

    .venv/bin/python scripts/warehouse_sources.py           # rewrites the generated files
    .venv/bin/python scripts/warehouse_sources.py --check   # exit 1 if one is out of date

(sparkify_dagster_tests/warehouse/test_models_sources.py runs the check.)
"""

import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from pyspark.sql import types as T  # noqa: E402

from sparkify_dagster.tables import (  # noqa: E402
    ALL_TABLES,
    PARTITION_COLUMN,
    Table,
    description,
)

STAGING = PROJECT_ROOT / "sparkify_dagster" / "warehouse" / "models" / "staging"
SOURCES_YML = STAGING / "sources.yml"
STAGING_YML = STAGING / "staging.yml"
# Tables of the state zone are the platform's bookkeeping, not assets: not sources either.
NOT_SOURCES = {"state"}

# What DuckDB reads each Spark type as (Spark writes timestamps adjusted to UTC).
DUCKDB_TYPES = {
    T.StringType: "varchar",
    T.IntegerType: "integer",
    T.LongType: "bigint",
    T.DoubleType: "double",
    T.BooleanType: "boolean",
    T.TimestampType: "timestamp with time zone",
    T.BinaryType: "blob",
    T.DateType: "date",
}

# Staging's only renames: the day of a daily table says what it is the day of (`date` is a type
# name in SQL), and the artist's `name` says whose it is once joined.
DAY_COLUMN = {"quarantined_log_lines": "log_date"}
DEFAULT_DAY_COLUMN = "event_date"
RENAMES = {("artists", "name"): "artist_name"}

GENERATED = "Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py"
SOURCES_HEADER = f"""\
# {GENERATED}: edit the registry,
# then rerun the script. The lake's parquet tables, read in place (dbt-duckdb external sources);
# each is its Dagster asset, so a model is stale when the table it reads is re-materialized.
# Daily tables carry their day only in the directory name (date=YYYY-MM-DD): hive partitioning
# gives it as the column `date`.
"""
STAGING_HEADER = f"""\
# {GENERATED}: one view per source
# table, its columns typed as declared, the day of daily tables as a column (the day-grained models'
# event_time, so a run reads only its days' directories).
"""


def source_tables() -> list[Table]:
    return [table for table in ALL_TABLES if table.zone not in NOT_SOURCES]


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _day_description(table: Table) -> str:
    return f"The day (UTC) of the {table.name} partition the row is in (its date=YYYY-MM-DD)."


def staging_columns(table: Table) -> list[tuple[str, str, str, str]]:
    """(source column, staging column, DuckDB type, description) of a table's staging view."""
    columns = [
        (
            column.name,
            RENAMES.get((table.name, column.name), column.name),
            DUCKDB_TYPES[type(column.dataType)],
            description(column) or "",
        )
        for column in table.columns.fields
    ]
    if table.daily:
        day = DAY_COLUMN.get(table.name, DEFAULT_DAY_COLUMN)
        columns.append((PARTITION_COLUMN, day, "date", _day_description(table)))
    return columns


def day_column(table: Table) -> str | None:
    return DAY_COLUMN.get(table.name, DEFAULT_DAY_COLUMN) if table.daily else None


def render_sources() -> str:
    lines = [
        SOURCES_HEADER,
        "version: 2",
        "",
        "sources:",
        "  - name: lake",
        '    description: "The platform\'s parquet lake: clean events, the star schema, quarantines."',
        "    tables:",
    ]
    for table in source_tables():
        hive = ", hive_partitioning = true" if table.daily else ""
        location = f"read_parquet('{{lake}}/{table.relative_path}/**/*.parquet'{hive})"
        lines += [
            f"      - name: {table.name}",
            f"        description: {_q(table.description)}",
            "        meta:",
            "          lake: \"{{ var('lake') }}\"",
            f"          lake_path: {table.relative_path}",
            f"          external_location: {_q(location)}",
            "          dagster:",
            f"            asset_key: [{table.name}]",
            "        columns:",
        ]
        for name, _, kind, text in staging_columns(table):
            lines += [
                f"          - name: {name}",
                f"            data_type: {kind}",
                f"            description: {_q(text)}",
            ]
    return "\n".join(lines) + "\n"


def render_staging_yml() -> str:
    lines = [STAGING_HEADER, "version: 2", "", "models:"]
    for table in source_tables():
        lines += [
            f"  - name: stg_{table.name}",
            f"    description: {_q(f'The lake table {table.name}, typed and renamed: {table.description}')}",
        ]
        day = day_column(table)
        if day:
            lines += ["    config:", f"      event_time: {day}"]
        lines.append("    columns:")
        for _, name, kind, text in staging_columns(table):
            lines += [
                f"      - name: {name}",
                f"        data_type: {kind}",
                f"        description: {_q(text)}",
            ]
    return "\n".join(lines) + "\n"


def render_staging_sql(table: Table) -> str:
    selected = ",\n".join(
        f'    cast("{source}" as {kind}) as {name}'
        for source, name, kind, _ in staging_columns(table)
    )
    return (
        f"-- {GENERATED}.\n"
        f"select\n{selected}\nfrom {{{{ lake_source('{table.name}') }}}} as source\n"
    )


def rendered() -> dict[Path, str]:
    """Every generated file and its text."""
    files = {SOURCES_YML: render_sources(), STAGING_YML: render_staging_yml()}
    for table in source_tables():
        files[STAGING / f"stg_{table.name}.sql"] = render_staging_sql(table)
    return files


def main(argv: list[str]) -> int:
    files = rendered()
    if "--check" in argv:
        stale = [
            path.relative_to(PROJECT_ROOT)
            for path, text in files.items()
            if not path.exists() or path.read_text() != text
        ]
        if stale:
            print(
                f"out of date: {', '.join(map(str, stale))}: "
                "run .venv/bin/python scripts/warehouse_sources.py"
            )
            return 1
        return 0
    STAGING.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
