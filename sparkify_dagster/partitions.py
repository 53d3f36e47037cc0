"""The daily partitioning shared by every event-derived asset: one partition per UTC day."""

import os
from datetime import date, timedelta

import dagster as dg

DEFAULT_START_DATE = "2018-11-01"  # the first day of the bundled Sparkify sample


def start_date() -> str:
    return os.environ.get("SPARKIFY_START_DATE") or DEFAULT_START_DATE


# end_offset=1: today's partition exists too, so a file that lands today can be processed today.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=start_date(), timezone="UTC", end_offset=1
)


def each_day(first: date, last: date) -> list[date]:
    """The days from `first` to `last`, both included (none if last is before first)."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """The UTC days a run covers: one for a daily run, many for a single-run backfill."""
    window = context.partition_time_window
    return each_day(window.start.date(), window.end.date() - timedelta(days=1))


def _day_deadline() -> dg.FreshnessPolicy:
    """The star tables are stale when a day is not in by the deadline (07:00 UTC by default,
    SPARKIFY_FRESHNESS_DEADLINE_CRON), materialized within the hours before it
    (SPARKIFY_FRESHNESS_WINDOW_HOURS, default 7: from midnight)."""
    return dg.FreshnessPolicy.cron(
        deadline_cron=os.environ.get("SPARKIFY_FRESHNESS_DEADLINE_CRON", "0 7 * * *"),
        lower_bound_delta=timedelta(
            hours=float(os.environ.get("SPARKIFY_FRESHNESS_WINDOW_HOURS", "7"))
        ),
        timezone="UTC",
    )


DAY_DEADLINE = _day_deadline()
