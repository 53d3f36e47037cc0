"""A step's report (sparkify_dagster.steps) as Dagster events: the same for local and EMR runs."""

from collections.abc import Iterator, Sequence
from datetime import date

import dagster as dg

from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.schemas import TABLE_SCHEMAS, description
from sparkify_dagster.steps import StepReport, StepRequest
from sparkify_dagster.steps.report import TableWritten
from sparkify_dagster.tables import Table


def step_request(
    step: str, lake: LakeResource, days: Sequence[date] = (), settings: dict | None = None
) -> StepRequest:
    """What an asset asks of its step: the lake's roots and, when partitioned, the run's days."""
    return StepRequest(
        step=step,
        source_root=lake.source_root,
        lake_root=lake.lake_root,
        days=tuple(d.isoformat() for d in days),
        settings=settings or {},
    )


def declared_columns(table: str) -> dg.TableSchema:
    """A table's columns as schemas.py declares them, each with its description."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=f.name, type=f.dataType.simpleString(), description=description(f))
            for f in TABLE_SCHEMAS[table].fields
        ]
    )


def spec_metadata(table: str) -> dict:
    """An asset spec's metadata: the UI shows the table's columns before its first run."""
    return {"dagster/column_schema": declared_columns(table)}


def table_spec(table: Table, description: str) -> dg.AssetSpec:
    """The spec of a multi-asset's output table: its zone is its group, its columns are shown."""
    return dg.AssetSpec(
        table.name,
        group_name=table.zone,
        description=description,
        metadata=spec_metadata(table.name),
    )


def table_metadata(table: TableWritten) -> dict:
    """A materialization's metadata: the columns as written, with their declared descriptions."""
    described = {f.name: description(f) for f in TABLE_SCHEMAS[table.asset].fields}
    return {
        "dagster/row_count": dg.MetadataValue.int(table.row_count),
        "path": dg.MetadataValue.path(table.path),
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name=name, type=kind, description=described.get(name))
                for name, kind in table.columns
            ]
        ),
        "preview": dg.MetadataValue.md(table.preview),
        **table.extra,
    }


def report_results(
    context: dg.AssetExecutionContext, report: StepReport
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Per-day metadata is attached to each partition first: it joins the materialization
    events only while they have not been emitted. Then one result per asset, then the checks."""
    whole: dict[str, dict | None] = {}
    for table in report.tables:
        if table.partition is None:
            whole[table.asset] = table_metadata(table)
        else:
            context.add_asset_metadata(
                table_metadata(table), asset_key=table.asset, partition_key=table.partition
            )
            whole.setdefault(table.asset, None)
    for asset, metadata in whole.items():
        yield dg.MaterializeResult(asset_key=asset, metadata=metadata)
    for check in report.checks:
        yield dg.AssetCheckResult(
            check_name=check.check,
            asset_key=check.asset,
            passed=check.passed,
            severity=dg.AssetCheckSeverity.WARN if check.warn_only else dg.AssetCheckSeverity.ERROR,
            metadata=check.metadata,
            description=check.description,
        )
