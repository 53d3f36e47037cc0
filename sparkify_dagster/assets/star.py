"""The star schema's daily tables: `time`, `songplays` and the incrementally kept `users`."""

import dagster as dg
from pydantic import Field

from sparkify_dagster import tables
from sparkify_dagster.assets.check_results import primary_key_check, primary_key_spec
from sparkify_dagster.assets.materialization_metadata import report_daily_table, table_metadata
from sparkify_dagster.partitions import DAY_DEADLINE, daily_partitions, partition_days
from sparkify_dagster.quality import orphan_keys, primary_key_report
from sparkify_dagster.resources import LakeResource, SparkResource
from sparkify_dagster.schemas import USER_STATE
from sparkify_dagster.transforms import star as T


@dg.asset(
    name="time",
    group_name="star",
    description="Time dimension: one row per distinct play timestamp.",
    deps=["listen_events"],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=DAY_DEADLINE,
    check_specs=[primary_key_spec("time", "start_time")],
)
def time_dimension(context: dg.AssetExecutionContext, spark: SparkResource, lake: LakeResource):
    session = spark.get_session()
    lake_tables = lake.tables()
    days = partition_days(context)
    listens = lake_tables.read_partitions(session, tables.LISTEN_EVENTS, days)
    df = T.build_time(listens)
    lake_tables.replace_partitions(df, tables.TIME, days)
    context.log.info(f"Wrote time ({lake_tables.total_rows(tables.TIME, days):,} rows)")
    yield report_daily_table(context, lake_tables, tables.TIME, df.schema, days)
    yield primary_key_check(
        "time",
        "start_time",
        primary_key_report(lake_tables.read_partitions(session, tables.TIME, days), "start_time"),
    )


@dg.asset(
    group_name="star",
    description=(
        "User dimension: one row per user with the level of their latest event. Kept "
        "incrementally: a day's events are merged into the state, no past day is re-read."
    ),
    deps=["log_events"],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=DAY_DEADLINE,
    # Runs for different days read-merge-write the same state: let one at a time do it.
    pool="sparkify_user_state",
    check_specs=[primary_key_spec("users", "user_id")],
)
def users(context: dg.AssetExecutionContext, spark: SparkResource, lake: LakeResource):
    session = spark.get_session()
    lake_tables = lake.tables()
    days = partition_days(context)
    update = T.user_state_from_events(lake_tables.read_partitions(session, tables.LOG_EVENTS, days))
    previous = (
        lake_tables.read_table(session, tables.USER_STATE)
        if lake_tables.exists(tables.USER_STATE)
        else session.createDataFrame([], USER_STATE)
    )
    lake_tables.replace_table(T.merge_user_state(previous, update), tables.USER_STATE)
    state = lake_tables.read_table(session, tables.USER_STATE)
    df = T.users_from_state(state)
    lake_tables.replace_table(df, tables.USERS)
    context.log.info(f"Wrote users ({lake_tables.row_count(tables.USERS):,} rows)")
    yield dg.MaterializeResult(metadata=table_metadata(lake_tables, tables.USERS, df.schema))
    yield primary_key_check(
        "users",
        "user_id",
        primary_key_report(lake_tables.read_table(session, tables.USERS), "user_id"),
    )


class SongplaysConfig(dg.Config):
    duration_tolerance_s: float = Field(
        default=T.DEFAULT_DURATION_TOLERANCE_S,
        description="How far (seconds) a play's length may be from a song's duration to match.",
    )


@dg.asset(
    group_name="star",
    description="Fact table: one row per NextSong event, matched to songs where possible.",
    deps=["listen_events", "songs", "artists", "users"],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=DAY_DEADLINE,
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
    ],
)
def songplays(
    context: dg.AssetExecutionContext,
    config: SongplaysConfig,
    spark: SparkResource,
    lake: LakeResource,
):
    session = spark.get_session()
    lake_tables = lake.tables()
    days = partition_days(context)
    listens = lake_tables.read_partitions(session, tables.LISTEN_EVENTS, days)
    df = T.build_songplays(
        listens,
        lake_tables.read_table(session, tables.SONGS),
        lake_tables.read_table(session, tables.ARTISTS),
        config.duration_tolerance_s,
    )
    lake_tables.replace_partitions(df, tables.SONGPLAYS, days)
    written = lake_tables.read_partitions(session, tables.SONGPLAYS, days)
    matched = written.where("song_id IS NOT NULL").count()
    context.log.info(
        f"Wrote songplays ({lake_tables.total_rows(tables.SONGPLAYS, days):,} rows, "
        f"{matched:,} matched to a song)"
    )
    yield report_daily_table(context, lake_tables, tables.SONGPLAYS, df.schema, days)
    actual = primary_key_report(written, "songplay_id")
    yield primary_key_check("songplays", "songplay_id", actual)
    expected = primary_key_report(
        listens.select(
            T.songplay_id("ts", "user_id", "session_id", "item_in_session").alias("songplay_id")
        ),
        "songplay_id",
    )
    yield dg.AssetCheckResult(
        check_name="one_songplay_per_listen_event",
        asset_key="songplays",
        passed=actual.ok and (actual.rows, actual.xor_hash) == (expected.rows, expected.xor_hash),
        metadata={
            "listen_events": expected.rows,
            "songplays": actual.rows,
            "same_id_set": expected.xor_hash == actual.xor_hash,
            "matched_songplays": matched,
        },
    )
    orphans = orphan_keys(written, lake_tables.read_table(session, tables.USERS), "user_id")
    yield dg.AssetCheckResult(
        check_name="user_ids_in_users",
        asset_key="songplays",
        passed=not orphans,
        metadata={"orphan_user_ids": dg.MetadataValue.json(sorted(orphans)[:100])},
    )
