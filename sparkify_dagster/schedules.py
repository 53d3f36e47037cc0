"""The schedules: the daily star schema (shortly after midnight UTC, the day that just ended)
and the hourly sweep of stale EMR clusters.

Not built with build_schedule_from_partitioned_job: the daily partitions reach one day ahead
(end_offset=1, so the sensor can run today's file), and that helper would request today.
"""

from datetime import UTC, timedelta

import dagster as dg

from sparkify_dagster.jobs import daily_star_schema_job, terminate_stale_clusters
from sparkify_dagster.sensors.raw_files import automation_status
from sparkify_dagster.settings import SCHEDULE_HOUR_UTC, Settings

DAILY_STAR_SCHEMA_SCHEDULE = "daily_star_schema_schedule"
STALE_CLUSTERS_SCHEDULE = "terminate_stale_clusters_schedule"


def build_schedules(
    settings: Settings, partitions_def: dg.PartitionsDefinition
) -> list[dg.ScheduleDefinition]:
    """The daily schedule at Settings.schedule_hour_utc, for the days of `partitions_def` (the
    configured daily partitions), and the EMR sweep; started as Settings.automation says."""
    status = dg.DefaultScheduleStatus(automation_status(settings).value)
    hour = settings.schedule_hour_utc

    @dg.schedule(
        name=DAILY_STAR_SCHEMA_SCHEDULE,
        job=daily_star_schema_job,
        cron_schedule=f"0 {hour} * * *",
        execution_timezone="UTC",
        default_status=status,
        description="Materializes the previous UTC day's partition every day "
        f"at {hour:02d}:00 UTC ({SCHEDULE_HOUR_UTC.name}).",
    )
    def daily_star_schema_schedule(context: dg.ScheduleEvaluationContext):
        day = (context.scheduled_execution_time.astimezone(UTC) - timedelta(days=1)).date()
        key = day.isoformat()
        if not partitions_def.has_partition_key(key):
            return dg.SkipReason(f"{key} is before the first daily partition")
        return dg.RunRequest(partition_key=key, run_key=f"scheduled:{key}")

    # Hourly: between sweeps a forgotten cluster costs at most an hour more than its limit.
    stale_clusters_schedule = dg.ScheduleDefinition(
        name=STALE_CLUSTERS_SCHEDULE,
        job=terminate_stale_clusters,
        cron_schedule="17 * * * *",
        execution_timezone="UTC",
        # Only where clusters are started: a local deployment has no AWS to ask.
        default_status=status if settings.env == "emr" else dg.DefaultScheduleStatus.STOPPED,
        description="Every hour: terminate EMR clusters of this platform that are too old or idle.",
    )
    return [daily_star_schema_schedule, stale_clusters_schedule]
