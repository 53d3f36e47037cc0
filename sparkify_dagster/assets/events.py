"""The clean zone: each UTC day's raw log file → typed events, topic tables and a quarantine."""

import dagster as dg

from sparkify_dagster import tables
from sparkify_dagster.assets.step_results import (
    check_specs,
    report_results,
    step_config,
    step_request,
    table_spec,
)
from sparkify_dagster.partitions import daily_partitions, partition_days
from sparkify_dagster.resources.compute import SparkCompute
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP

CleanEventsConfig = step_config(CLEAN_LOG_EVENTS_STEP)


@dg.multi_asset(
    name=CLEAN_LOG_EVENTS_STEP.name,
    specs=[
        table_spec(tables.LOG_EVENTS),
        table_spec(tables.LISTEN_EVENTS),
        table_spec(tables.PAGE_VIEW_EVENTS),
        table_spec(tables.AUTH_EVENTS),
        table_spec(tables.QUARANTINED_LOG_LINES),
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=check_specs(CLEAN_LOG_EVENTS_STEP),
)
def clean_log_events(
    context: dg.AssetExecutionContext,
    config: CleanEventsConfig,
    compute: SparkCompute,
    lake: LakeResource,
):
    request = step_request(CLEAN_LOG_EVENTS_STEP, lake, partition_days(context), config)
    yield from report_results(context, compute.run(context, request))
