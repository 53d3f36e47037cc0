"""A lake fed by Kafka is wired in its own way: the raw zone's clean step in the log files' place,
the micro-batch on its schedule, the stream_days sensor instead of the log-file sensor."""

import dagster as dg

from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.jobs import daily_star_schema_job
from sparkify_dagster.sensors.raw_files import NEW_SONG_FILES
from sparkify_dagster.sensors.stream import (
    STREAM_DAYS,
    STREAM_MICRO_BATCH_SCHEDULE,
    stream_micro_batch_job,
)
from sparkify_dagster.settings import Settings
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP
from sparkify_dagster.steps.star import SONGPLAYS_STEP, TIME_STEP, USERS_STEP
from sparkify_dagster.steps.stream_events import CLEAN_STREAM_EVENTS_STEP
from sparkify_dagster.steps.stream_ingest import STREAM_INGEST_STEP


def _names(items) -> set[str]:
    return {item.name for item in items}


def test_a_kafka_source_swaps_the_clean_step_and_runs_the_micro_batch_on_its_interval(tmp_path):
    files = build_definitions(Settings(lake=str(tmp_path)))
    stream = build_definitions(
        Settings(source="kafka://127.0.0.1:9", lake=str(tmp_path), stream_interval_minutes=3)
    )

    def daily_nodes(defs: dg.Definitions) -> set[str]:
        graph = defs.resolve_job_def(daily_star_schema_job.name).graph
        return {node.name for node in graph.nodes if not node.name.startswith(("stg_", "dbt"))}

    clean_log, ingest = CLEAN_LOG_EVENTS_STEP.name, STREAM_INGEST_STEP.name
    assert clean_log in daily_nodes(files) and ingest not in daily_nodes(files)
    stream_daily = {
        CLEAN_STREAM_EVENTS_STEP.name,
        *(s.name for s in (TIME_STEP, USERS_STEP, SONGPLAYS_STEP)),
    }
    assert stream_daily <= daily_nodes(stream)
    assert not {clean_log, ingest} & daily_nodes(stream)
    micro_batch = stream.resolve_job_def(stream_micro_batch_job.name)
    assert {k.to_user_string() for k in micro_batch.asset_layer.selected_asset_keys} == {
        "raw_listen_events",
        "raw_page_view_events",
        "raw_auth_events",
    }
    schedule = stream.resolve_schedule_def(STREAM_MICRO_BATCH_SCHEDULE)
    assert schedule.cron_schedule == "*/3 * * * *"
    assert _names(stream.sensors) == {STREAM_DAYS, NEW_SONG_FILES}
    assert STREAM_DAYS not in _names(files.sensors)
    assert STREAM_MICRO_BATCH_SCHEDULE not in _names(files.schedules)


def test_stream_days_requests_each_new_batch_day_once_and_none_already_queued(instance):
    from dagster._core.test_utils import create_run_for_test

    from sparkify_dagster.steps.stream_ingest import DAYS_WITH_MESSAGES

    defs = build_definitions(Settings(source="kafka://127.0.0.1:9", lake="lake"))
    sensor = defs.resolve_sensor_def(STREAM_DAYS)

    def batch(topic: str, *days: str) -> None:
        metadata = {DAYS_WITH_MESSAGES: dg.MetadataValue.json(list(days))}
        instance.report_runless_asset_event(
            dg.AssetMaterialization(f"raw_{topic}", metadata=metadata)
        )

    def tick(cursor: str | None) -> dg.SensorResult:
        return sensor(dg.build_sensor_context(instance=instance, cursor=cursor))

    batch("page_view_events", "2018-11-05", "2018-11-06")
    batch("listen_events", "2018-11-06")
    first = tick(None)
    assert sorted(r.partition_key for r in first.run_requests) == ["2018-11-05", "2018-11-06"]
    assert not tick(first.cursor).run_requests

    create_run_for_test(
        instance,
        job_name=daily_star_schema_job.name,
        status=dg.DagsterRunStatus.NOT_STARTED,  # (QUEUED needs a code location)
        tags={"dagster/partition": "2018-11-06"},
    )
    batch("page_view_events", "2018-11-06", "2018-11-07")
    later = tick(first.cursor)
    assert [r.partition_key for r in later.run_requests] == ["2018-11-07"]
