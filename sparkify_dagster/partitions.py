"""The daily partitioning shared by every event-derived asset: one partition per UTC day.

`daily_partitions` and `DAY_DEADLINE` are the defaults the assets declare; the wiring
(definitions.build_definitions) replaces them with the ones the Settings configure.
"""

from datetime import date, timedelta

import dagster as dg

from sparkify_dagster.settings import Settings


def daily_partitions_for(settings: Settings) -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's partition exists too, so a file that lands today can be processed today.
    return dg.DailyPartitionsDefinition(
        start_date=settings.first_partition_day.isoformat(), timezone="UTC", end_offset=1
    )


def day_deadline_for(settings: Settings) -> dg.FreshnessPolicy:
    """The star tables are stale when a day is not in by the deadline (07:00 UTC by default),
    materialized within the hours before it (7 by default: from midnight)."""
    return dg.FreshnessPolicy.cron(
        deadline_cron=settings.freshness_deadline_cron,
        lower_bound_delta=timedelta(hours=settings.freshness_window_hours),
        timezone="UTC",
    )


daily_partitions = daily_partitions_for(Settings())
DAY_DEADLINE = day_deadline_for(Settings())


def each_day(first: date, last: date) -> list[date]:
    """The days from `first` to `last`, both included (none if last is before first)."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """The UTC days a run covers: one for a daily run, many for a single-run backfill."""
    window = context.partition_time_window
    return each_day(window.start.date(), window.end.date() - timedelta(days=1))
