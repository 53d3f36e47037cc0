"""The star schema's daily tables: `time`, `songplays` and the incrementally kept `users`."""

import warnings

import dagster as dg
from pydantic import Field

from sparkify_dagster.assets.check_results import primary_key_spec
from sparkify_dagster.assets.step_results import report_results, spec_metadata, step_request
from sparkify_dagster.partitions import DAY_DEADLINE, daily_partitions, partition_days
from sparkify_dagster.quality import ZONES_AGREE_CHECK
from sparkify_dagster.resources import LakeResource, SparkCompute
from sparkify_dagster.transforms.star import DEFAULT_DURATION_TOLERANCE_S


def _daily_asset(name: str, **kwargs):
    """`@dg.asset` for the daily star table `name`: one partition per UTC day, a range
    backfilled as one run, due by the day's deadline, its columns described.

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
            name=name,
            metadata=spec_metadata(name),
            partitions_def=daily_partitions,
            backfill_policy=dg.BackfillPolicy.single_run(),
            freshness_policy=DAY_DEADLINE,
            **kwargs,
        )


@_daily_asset(
    "time",
    group_name="star",
    description="Time dimension: one row per distinct play timestamp.",
    deps=["listen_events"],
    check_specs=[primary_key_spec("time", "start_time")],
)
def time_dimension(context: dg.AssetExecutionContext, compute: SparkCompute, lake: LakeResource):
    request = step_request("time", lake, partition_days(context))
    yield from report_results(context, compute.run(context, request))


@_daily_asset(
    "users",
    group_name="star",
    description=(
        "User dimension: one row per user with the level of their latest event. Kept "
        "incrementally: a day's events are merged into the state, no past day is re-read."
    ),
    deps=["log_events"],
    # Runs for different days read-merge-write the same state: let one at a time do it.
    pool="sparkify_user_state",
    check_specs=[primary_key_spec("users", "user_id")],
)
def users(context: dg.AssetExecutionContext, compute: SparkCompute, lake: LakeResource):
    request = step_request("users", lake, partition_days(context))
    yield from report_results(context, compute.run(context, request))


class SongplaysConfig(dg.Config):
    duration_tolerance_s: float = Field(
        default=DEFAULT_DURATION_TOLERANCE_S,
        description="How far (seconds) a play's length may be from a song's duration to match.",
    )


@_daily_asset(
    "songplays",
    group_name="star",
    description="Fact table: one row per NextSong event, matched to songs where possible.",
    deps=["listen_events", "songs", "artists", "users"],
    check_specs=[
        primary_key_spec("songplays", "songplay_id"),
        dg.AssetCheckSpec(
            "one_songplay_per_listen_event",
            asset="songplays",
            blocking=True,
            description="Every NextSong event of the partition is in songplays exactly once.",
        ),
        dg.AssetCheckSpec(
            "user_ids_in_users",
            asset="songplays",
            blocking=True,
            description="Every songplays.user_id is a row of users.",
        ),
        dg.AssetCheckSpec(
            ZONES_AGREE_CHECK,
            asset="songplays",
            blocking=True,
            description=(
                "Across the whole lake, every day of a derived table (topic tables, time, "
                "songplays) still has its source day (log_events, listen_events)."
            ),
        ),
    ],
)
def songplays(
    context: dg.AssetExecutionContext,
    config: SongplaysConfig,
    compute: SparkCompute,
    lake: LakeResource,
):
    request = step_request(
        "songplays",
        lake,
        partition_days(context),
        {"duration_tolerance_s": config.duration_tolerance_s},
    )
    yield from report_results(context, compute.run(context, request))
