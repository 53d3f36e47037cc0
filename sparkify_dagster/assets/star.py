"""The star schema's daily tables: `time`, `songplays` and the incrementally kept `users`."""

import warnings

import dagster as dg

from sparkify_dagster import tables
from sparkify_dagster.assets.step_results import (
    check_specs,
    report_results,
    spec_metadata,
    step_config,
    step_request,
)
from sparkify_dagster.partitions import DAY_DEADLINE, daily_partitions, partition_days
from sparkify_dagster.resources.compute import SparkCompute
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.steps.star import SONGPLAYS_STEP, TIME_STEP, USERS_STEP
from sparkify_dagster.tables import Table

# Runs for different days read-merge-write the users state: one at a time may (deploy/dagster.yaml).
USER_STATE_POOL = "sparkify_user_state"


def _daily_asset(table: Table, **kwargs):
    """`@dg.asset` for the daily star table `table`: one partition per UTC day, a range
    backfilled as one run, due by the day's deadline, described and its columns shown.

    Dagster 1.13 marks `backfill_policy` of `@dg.asset` as beta and warns on every import of the
    code location (once per asset, in every `sparkify run` and `dagster dev`). The single-run
    policy is what we want and test_definitions checks it, so exactly that warning is silenced,
    here where it is raised; every other warning still shows.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning
        )
        return dg.asset(
            name=table.name,
            group_name=table.zone,
            description=table.description,
            metadata=spec_metadata(table),
            partitions_def=daily_partitions,
            backfill_policy=dg.BackfillPolicy.single_run(),
            freshness_policy=DAY_DEADLINE,
            **kwargs,
        )


@_daily_asset(
    tables.TIME,
    deps=[tables.LISTEN_EVENTS.name],
    check_specs=check_specs(TIME_STEP),
)
def time_dimension(context: dg.AssetExecutionContext, compute: SparkCompute, lake: LakeResource):
    request = step_request(TIME_STEP, lake, partition_days(context))
    yield from report_results(context, compute.run(context, request))


@_daily_asset(
    tables.USERS,
    deps=[tables.LOG_EVENTS.name],
    pool=USER_STATE_POOL,
    check_specs=check_specs(USERS_STEP),
)
def users(context: dg.AssetExecutionContext, compute: SparkCompute, lake: LakeResource):
    request = step_request(USERS_STEP, lake, partition_days(context))
    yield from report_results(context, compute.run(context, request))


SongplaysConfig = step_config(SONGPLAYS_STEP)


@_daily_asset(
    tables.SONGPLAYS,
    deps=[t.name for t in (tables.LISTEN_EVENTS, tables.SONGS, tables.ARTISTS, tables.USERS)],
    check_specs=check_specs(SONGPLAYS_STEP),
)
def songplays(
    context: dg.AssetExecutionContext,
    config: SongplaysConfig,
    compute: SparkCompute,
    lake: LakeResource,
):
    request = step_request(SONGPLAYS_STEP, lake, partition_days(context), config)
    yield from report_results(context, compute.run(context, request))
