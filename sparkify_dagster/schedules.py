"""The schedules: the daily star schema (shortly after midnight UTC, the day that just ended)
and the hourly sweep of stale EMR clusters.

Not built with build_schedule_from_partitioned_job: the daily partitions reach one day ahead
(end_offset=1, so the sensor can run today's file), and that helper would request today.
"""

import os
from datetime import UTC, timedelta

import dagster as dg

from sparkify_dagster.jobs import daily_star_schema_job, terminate_stale_clusters
from sparkify_dagster.partitions import daily_partitions
from sparkify_dagster.resources import execution_env
from sparkify_dagster.sensors.raw_files import automation_status

SCHEDULE_HOUR_UTC = int(os.environ.get("SPARKIFY_SCHEDULE_HOUR_UTC", "1"))


@dg.schedule(
    name="daily_star_schema_schedule",
    job=daily_star_schema_job,
    cron_schedule=f"0 {SCHEDULE_HOUR_UTC} * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus(automation_status().value),
    description="Materializes the previous UTC day's partition every day "
    f"at {SCHEDULE_HOUR_UTC:02d}:00 UTC (SPARKIFY_SCHEDULE_HOUR_UTC).",
)
def daily_star_schema_schedule(context: dg.ScheduleEvaluationContext):
    day = (context.scheduled_execution_time.astimezone(UTC) - timedelta(days=1)).date()
    key = day.isoformat()
    if not daily_partitions.has_partition_key(key):
        return dg.SkipReason(f"{key} is before the first daily partition")
    return dg.RunRequest(partition_key=key, run_key=f"scheduled:{key}")


# Hourly: between sweeps a forgotten cluster costs at most an hour more than its limit.
stale_clusters_schedule = dg.ScheduleDefinition(
    name="terminate_stale_clusters_schedule",
    job=terminate_stale_clusters,
    cron_schedule="17 * * * *",
    execution_timezone="UTC",
    # Only where clusters are started: a local deployment has no AWS to ask.
    default_status=dg.DefaultScheduleStatus(
        automation_status().value if execution_env() == "emr" else "STOPPED"
    ),
    description="Every hour: terminate EMR clusters of this platform that are too old or idle.",
)

ALL_SCHEDULES = [daily_star_schema_schedule, stale_clusters_schedule]
