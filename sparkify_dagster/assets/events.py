"""The clean zone: each UTC day's raw log file → typed events, topic tables and a quarantine."""

import dagster as dg
from pydantic import Field

from sparkify_dagster import tables
from sparkify_dagster.assets.step_results import report_results, step_request, table_spec
from sparkify_dagster.partitions import daily_partitions, partition_days
from sparkify_dagster.resources import LakeResource, SparkCompute
from sparkify_dagster.steps.events import DEFAULT_QUARANTINE_WARN_SHARE


class CleanEventsConfig(dg.Config):
    quarantine_warn_share: float = Field(
        default=DEFAULT_QUARANTINE_WARN_SHARE,
        description="Warn when a day's share of quarantined lines is above this (0.01 = 1%).",
    )


@dg.multi_asset(
    name="clean_log_events",
    specs=[
        table_spec(
            tables.LOG_EVENTS, "Every app event of the day: typed, snake_case, text repaired, UTC."
        ),
        table_spec(tables.LISTEN_EVENTS, "NextSong plays."),
        table_spec(tables.PAGE_VIEW_EVENTS, "Every page served."),
        table_spec(tables.AUTH_EVENTS, "Login, logout, registration pages."),
        table_spec(
            tables.QUARANTINED_LOG_LINES,
            "Raw log lines that could not be used, each with the reason.",
        ),
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[
        dg.AssetCheckSpec(
            "every_line_accounted_for",
            asset="log_events",
            blocking=True,
            description="Lines read = clean events + quarantined lines, for every day.",
        ),
        dg.AssetCheckSpec(
            "quarantine_share_below_threshold",
            asset="log_events",
            description="Warns when a day's quarantined share is above the configured threshold.",
        ),
    ],
)
def clean_log_events(
    context: dg.AssetExecutionContext,
    config: CleanEventsConfig,
    compute: SparkCompute,
    lake: LakeResource,
):
    request = step_request(
        "clean_log_events",
        lake,
        partition_days(context),
        {"quarantine_warn_share": config.quarantine_warn_share},
    )
    yield from report_results(context, compute.run(context, request))
