"""A lake fed by Kafka: the micro-batch every few minutes, and the daily job for each day that
received messages (today's as the stream runs; an earlier day's when late messages arrive)."""

import dagster as dg

from sparkify_dagster.assets.stream import STREAM_KIND, page_view_asset_key
from sparkify_dagster.jobs import daily_star_schema_job
from sparkify_dagster.sensors.raw_files import TICK_SECONDS, automation_status
from sparkify_dagster.settings import STREAM_INTERVAL_MINUTES, Settings
from sparkify_dagster.steps.stream_ingest import DAYS_WITH_MESSAGES

stream_micro_batch_job = dg.define_asset_job(
    name="stream_micro_batch",
    description="One micro-batch: every new Kafka message into the raw zone, once.",
    selection=dg.AssetSelection.kind(STREAM_KIND),
    executor_def=dg.in_process_executor,
)

STREAM_MICRO_BATCH_SCHEDULE = "stream_micro_batch_schedule"
STREAM_DAYS = "stream_days"
_PAGE = 1000  # materializations read per asset and tick
PARTITION_TAG = "dagster/partition"


def days_in_new_batches(
    instance: dg.DagsterInstance, keys: list[dg.AssetKey], after_storage_id: int
) -> tuple[set[str], int]:
    """The days that received messages in the micro-batches materialized after
    `after_storage_id`, and the last storage id seen (the next cursor)."""
    days: set[str] = set()
    last = after_storage_id
    for key in keys:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, after_storage_id=after_storage_id),
            limit=_PAGE,
            ascending=True,
        ).records
        for record in records:
            metadata = record.asset_materialization.metadata  # type: ignore[union-attr]
            if DAYS_WITH_MESSAGES in metadata:
                days.update(metadata[DAYS_WITH_MESSAGES].value)
            last = max(last, record.storage_id)
    return days, last


def days_waiting_to_run(instance: dg.DagsterInstance) -> set[str]:
    """The days whose daily run is queued, not started: it will read the raw zone as it is when
    it starts, new messages included, so another run of that day would only repeat it."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            job_name=daily_star_schema_job.name,
            statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED],
        )
    )
    return {run.tags[PARTITION_TAG] for run in runs if PARTITION_TAG in run.tags}


def build_stream_automation(
    settings: Settings, partitions_def: dg.PartitionsDefinition
) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition]:
    """The micro-batch's schedule (every Settings.stream_interval_minutes) and the sensor that
    runs the daily job for the days its batches touched; started as Settings.automation says."""
    status = automation_status(settings)
    minutes = settings.stream_interval_minutes
    schedule = dg.ScheduleDefinition(
        name=STREAM_MICRO_BATCH_SCHEDULE,
        job=stream_micro_batch_job,
        cron_schedule=f"*/{minutes} * * * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus(status.value),
        description=f"A micro-batch every {minutes} minute(s) ({STREAM_INTERVAL_MINUTES.name}).",
    )
    # The clean step reads page_view_events alone (every event): its new messages' days.
    keys = [page_view_asset_key(settings)]

    @dg.sensor(
        name=STREAM_DAYS,
        job=daily_star_schema_job,
        minimum_interval_seconds=TICK_SECONDS,
        default_status=status,
        description="Each day that new page_view_events messages belong to: that day's "
        "partition is rebuilt (today's as the stream flows, an earlier one for late messages).",
    )
    def stream_days(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        cursor = int(context.cursor or 0)
        days, last = days_in_new_batches(context.instance, keys, cursor)
        known = sorted(d for d in days if partitions_def.has_partition_key(d))
        if len(known) < len(days):
            context.log.warning(
                f"Messages of day(s) outside the daily partitions, not run: "
                f"{', '.join(sorted(days - set(known)))}"
            )
        waiting = days_waiting_to_run(context.instance) & set(known)
        if waiting:
            context.log.info(f"Already queued, not requested again: {', '.join(sorted(waiting))}")
            known = [d for d in known if d not in waiting]
        if not known:
            return dg.SensorResult(
                skip_reason="No new messages since the last tick", cursor=str(last)
            )
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(partition_key=day, run_key=f"stream:{day}:{last}") for day in known
            ],
            cursor=str(last),
        )

    return schedule, stream_days
