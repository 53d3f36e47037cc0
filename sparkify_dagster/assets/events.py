"""The clean zone: each UTC day's raw log file → typed events, topic tables and a quarantine."""

import os

import dagster as dg
from pydantic import Field
from pyspark import StorageLevel
from pyspark.sql import functions as F

from sparkify_dagster import tables
from sparkify_dagster.assets.materialization_metadata import report_daily_table
from sparkify_dagster.partitions import daily_partitions, partition_days
from sparkify_dagster.resources import LakeResource, SparkResource
from sparkify_dagster.sources import read_log_lines
from sparkify_dagster.storage import arrange_by_day
from sparkify_dagster.transforms import events as T

# A day of raw logs is written as one file per ~RAW_MB_PER_FILE MB (a 1M-event day, ~470 MB,
# as 4), so big days are sorted and written on every core and small ones stay one file.
RAW_MB_PER_FILE = 128
MAX_FILES_PER_DAY = 16


class CleanEventsConfig(dg.Config):
    quarantine_warn_share: float = Field(
        default=0.01,
        description="Warn when a day's share of quarantined lines is above this (0.01 = 1%).",
    )


@dg.multi_asset(
    name="clean_log_events",
    specs=[
        dg.AssetSpec(
            "log_events",
            group_name="clean",
            description="Every app event of the day: typed, snake_case, text repaired, UTC.",
        ),
        dg.AssetSpec("listen_events", group_name="clean", description="NextSong plays."),
        dg.AssetSpec("page_view_events", group_name="clean", description="Every page served."),
        dg.AssetSpec(
            "auth_events", group_name="clean", description="Login, logout, registration pages."
        ),
        dg.AssetSpec(
            "quarantined_log_lines",
            group_name="quarantine",
            description="Raw log lines that could not be used, each with the reason.",
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
    spark: SparkResource,
    lake: LakeResource,
):
    session = spark.get_session()
    lake_tables = lake.tables()
    days = partition_days(context)
    files_by_day = lake.log_files(days)
    files = [f for day in days for f in files_by_day[day]]
    missing = [d.isoformat() for d in days if not files_by_day[d]]
    if missing:
        context.log.warning(
            f"No log file for {len(missing)} of {len(days)} day(s) ({', '.join(missing[:10])}"
            f"{' …' if len(missing) > 10 else ''}): those partitions are written empty."
        )
    megabytes = sum(os.path.getsize(f) for f in files) / 1e6
    context.log.info(
        f"Parsing {len(files)} log file(s), {megabytes:.1f} MB, for {days[0]} … {days[-1]}"
    )

    # Arranged by day once and cached deserialized: the five writes below are cut from it
    # and need neither a shuffle nor a sort of their own (the quarantine's is on few rows).
    files_per_day = max(1, min(MAX_FILES_PER_DAY, round(megabytes / len(days) / RAW_MB_PER_FILE)))
    classified = arrange_by_day(
        T.classify_log_lines(read_log_lines(session, files)),
        tables.LOG_EVENTS,
        files_per_day=files_per_day,
        break_ties=True,
    ).persist(StorageLevel.MEMORY_AND_DISK_DESER)
    try:
        lines_in = {
            row["date"]: row["lines"]
            for row in classified.groupBy("date").agg(F.count(F.lit(1)).alias("lines")).collect()
        }
        events = T.clean_events(classified)
        outputs = [
            (tables.LOG_EVENTS, events),
            (tables.LISTEN_EVENTS, T.listen_events(events)),
            (tables.PAGE_VIEW_EVENTS, T.page_view_events(events)),
            (tables.AUTH_EVENTS, T.auth_events(events)),
            (tables.QUARANTINED_LOG_LINES, T.quarantined_lines(classified)),
        ]
        for table, df in outputs:
            lake_tables.replace_partitions(df, table, days, arranged=True)
            context.log.info(f"Wrote {table.name} ({lake_tables.total_rows(table, days):,} rows)")
    finally:
        classified.unpersist()

    per_day = {
        day: {
            "lines": lines_in.get(day, 0),
            "clean": lake_tables.row_count(tables.LOG_EVENTS, day),
            "quarantined": lake_tables.row_count(tables.QUARANTINED_LOG_LINES, day),
        }
        for day in days
    }
    for day, n in per_day.items():
        context.add_asset_metadata(
            {
                "source_files": len(files_by_day[day]),
                "lines_read": n["lines"],
                "quarantined_lines": n["quarantined"],
            },
            asset_key="log_events",
            partition_key=day.isoformat(),
        )
    # Results go out after all the metadata above is attached: it joins the materialization
    # events only while they have not been emitted.
    for table, df in outputs:
        yield report_daily_table(context, lake_tables, table, df.schema, days, table.name)
    yield _reconciliation(per_day)
    yield _quarantine_share(per_day, config.quarantine_warn_share, session, lake_tables, days)


def _reconciliation(per_day: dict) -> dg.AssetCheckResult:
    unbalanced = {
        d.isoformat(): n for d, n in per_day.items() if n["lines"] != n["clean"] + n["quarantined"]
    }
    return dg.AssetCheckResult(
        check_name="every_line_accounted_for",
        asset_key="log_events",
        passed=not unbalanced,
        metadata={
            "lines_read": sum(n["lines"] for n in per_day.values()),
            "clean_events": sum(n["clean"] for n in per_day.values()),
            "quarantined_lines": sum(n["quarantined"] for n in per_day.values()),
            "unbalanced_days": dg.MetadataValue.json(unbalanced),
        },
    )


def _quarantine_share(per_day, threshold, session, lake_tables, days) -> dg.AssetCheckResult:
    shares = {d: n["quarantined"] / n["lines"] for d, n in per_day.items() if n["lines"]}
    over = {d.isoformat(): round(s, 4) for d, s in shares.items() if s > threshold}
    quarantined = sum(n["quarantined"] for n in per_day.values())
    reasons = {}
    if quarantined:
        bad = lake_tables.read_partitions(session, tables.QUARANTINED_LOG_LINES, days)
        reasons = {r["reason"]: r["count"] for r in bad.groupBy("reason").count().collect()}
    return dg.AssetCheckResult(
        check_name="quarantine_share_below_threshold",
        asset_key="log_events",
        passed=not over,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "threshold": threshold,
            "max_share": max(shares.values(), default=0.0),
            "days_over_threshold": dg.MetadataValue.json(over),
            "reasons": dg.MetadataValue.json(reasons),
        },
    )
