"""A step's report (sparkify_dagster.steps) as Dagster events: the same for local and EMR runs."""

import dataclasses
import typing
from collections.abc import Collection, Iterator, Sequence
from datetime import date

import dagster as dg
import pydantic

from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.steps import StepReport, StepRequest
from sparkify_dagster.steps.report import TableWritten
from sparkify_dagster.steps.step import DESCRIPTION, Step
from sparkify_dagster.tables import TABLES_BY_NAME, Table, description


def step_config(step: Step, only: Collection[str] | None = None) -> type[dg.Config]:
    """The run config of the asset that runs `step`: its settings (or `only` those a user may
    choose; the asset sets the others), each with the default and description its declaration
    gives."""
    hints = typing.get_type_hints(step.settings)
    fields = {
        f.name: (
            hints[f.name],
            pydantic.Field(default=f.default, description=f.metadata[DESCRIPTION]),
        )
        for f in dataclasses.fields(step.settings)
        if only is None or f.name in only
    }
    name = step.settings.__name__.removesuffix("Settings") + "Config"
    return pydantic.create_model(name, __base__=dg.Config, **fields)


def step_request(
    step: Step, lake: LakeResource, days: Sequence[date] = (), config: dg.Config | None = None
) -> StepRequest:
    """What an asset asks of its step: the lake's roots, the run's days when partitioned, and
    the step's settings from the run config."""
    settings = None if config is None else step.settings(**config.model_dump())
    return step.request(lake.source_root, lake.lake_root, days, settings)


def check_specs(step: Step) -> list[dg.AssetCheckSpec]:
    """The checks `step` measures, as the asset declares them."""
    return [
        dg.AssetCheckSpec(
            check.name,
            asset=check.table.name,
            blocking=check.blocking,
            description=check.description,
        )
        for check in step.checks
    ]


def declared_columns(table: Table) -> dg.TableSchema:
    """A table's columns as tables.py declares them, each with its description."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=f.name, type=f.dataType.simpleString(), description=description(f))
            for f in table.columns.fields
        ]
    )


def spec_metadata(table: Table) -> dict:
    """An asset spec's metadata: the UI shows the table's columns before its first run."""
    return {"dagster/column_schema": declared_columns(table)}


def table_spec(table: Table) -> dg.AssetSpec:
    """The spec of a multi-asset's output table: its zone is its group, its columns are shown."""
    return dg.AssetSpec(
        table.name,
        group_name=table.zone,
        description=table.description,
        metadata=spec_metadata(table),
    )


def table_metadata(table: TableWritten) -> dict:
    """A materialization's metadata: the columns as written, with their declared descriptions."""
    described = {f.name: description(f) for f in TABLES_BY_NAME[table.asset].columns.fields}
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
