"""Metadata every materialization carries: row count, path, column schema, a short preview."""

from datetime import date

import dagster as dg
from pyspark.sql import types as T

from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.tables import Table
from sparkify_dagster.transforms.events import PARTITION_COLUMN


def column_schema(schema: T.StructType) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=f.name, type=f.dataType.simpleString())
            for f in schema.fields
            if f.name != PARTITION_COLUMN
        ]
    )


def _markdown_preview(rows: list[dict]) -> str:
    if not rows:
        return "_no rows_"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = (str(row[c]).replace("|", "\\|").replace("\n", " ")[:60] for c in columns)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table_metadata(
    lake: ParquetLake, table: Table, schema: T.StructType, day: date | None = None
) -> dict:
    """Metadata of a whole table, or of one day of a daily table."""
    path = lake.path(table) if day is None else lake.partition_path(table, day)
    return {
        "dagster/row_count": dg.MetadataValue.int(lake.row_count(table, day)),
        "path": dg.MetadataValue.path(str(path)),
        "dagster/column_schema": column_schema(schema),
        "preview": dg.MetadataValue.md(_markdown_preview(lake.preview(table, day))),
    }


def report_daily_table(
    context: dg.AssetExecutionContext,
    lake: ParquetLake,
    table: Table,
    schema: T.StructType,
    days: list[date],
    asset_key: str | None = None,
) -> dg.MaterializeResult:
    """Per-day metadata for each partition of the run, and the result for the asset."""
    for day in days:
        context.add_asset_metadata(
            table_metadata(lake, table, schema, day),
            asset_key=asset_key,
            partition_key=day.isoformat(),
        )
    return dg.MaterializeResult(asset_key=asset_key)
