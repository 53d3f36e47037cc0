"""A lake fed by Kafka in Dagster: a micro-batch run reports what it read, the stream_days sensor
runs the daily job for the days that received messages, and a late message rebuilds its day."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sparkify_dagster import tables
from sparkify_dagster.assets.stream import STREAM_KIND
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.resources.compute import LocalSparkCompute
from sparkify_dagster.sensors.raw_files import NEW_SONG_FILES
from sparkify_dagster.sensors.stream import STREAM_DAYS
from sparkify_dagster.steps.stream_ingest import STREAM_INGEST_STEP
from sparkify_dagster.streaming import streamify
from sparkify_dagster.streaming.ingest import raw_path
from sparkify_dagster_tests.helpers import TEST_SPARK
from sparkify_dagster_tests.streaming.helpers import streamed_world

DAY = date(2018, 11, 5)
WORLD = dict(start=DAY, days=1, events_per_day=150, songs=20, seed=4)
DBT = dg.AssetSelection.kind("dbt")


def _rows(lake, table: tables.Table) -> int:
    directory = lake / table.relative_path / f"date={DAY}"
    return sum(pq.read_metadata(p).num_rows for p in directory.glob("*.parquet"))


def _micro_batch(defs: dg.Definitions, instance: dg.DagsterInstance) -> dict[str, dict]:
    """One micro-batch run: each raw table's materialization metadata, as plain values."""
    result = dg.materialize(
        defs.assets,
        selection=dg.AssetSelection.kind(STREAM_KIND),
        instance=instance,
        resources=defs.resources,
    )
    assert result.success
    return {
        m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node(STREAM_INGEST_STEP.name)
    }


def test_micro_batches_report_their_messages_and_the_sensor_rebuilds_each_day_they_touched(
    spark, kafka_broker, tmp_path, instance
):
    settings, topics, sent = streamed_world(kafka_broker, tmp_path, **WORLD)
    lake = Path(settings.lake)
    defs = build_definitions(settings, compute=LocalSparkCompute(spark=TEST_SPARK))
    sensor = defs.resolve_sensor_def(STREAM_DAYS)
    assert {s.name for s in defs.sensors} == {STREAM_DAYS, NEW_SONG_FILES}

    def tick(cursor: str | None) -> dg.SensorResult:
        return sensor(dg.build_sensor_context(instance=instance, cursor=cursor))

    def run_day(partition_key: str, selection) -> None:
        result = dg.materialize(
            defs.assets,
            selection=selection,
            instance=instance,
            resources=defs.resources,
            partition_key=partition_key,
        )
        assert result.success

    first = _micro_batch(defs, instance)
    page_views = f"raw_{topics[streamify.PAGE_VIEW_EVENTS]}"
    for streamify_topic, topic in topics.items():
        metadata = first[f"raw_{topic}"]
        assert metadata["messages_read"] == sent.messages_by_topic[topic], streamify_topic
        assert metadata["offsets_skipped"] == 0
        assert metadata["days_with_messages"] == [DAY.isoformat()]
        assert set(metadata["lag_per_partition"].values()) == {0}

    requested = tick(None)
    assert [r.partition_key for r in requested.run_requests] == [DAY.isoformat()]
    daily = dg.AssetSelection.all() - DBT - dg.AssetSelection.kind(STREAM_KIND)
    run_day(requested.run_requests[0].partition_key, daily)
    assert _rows(lake, tables.LOG_EVENTS) == first[page_views]["messages_read"]
    assert _rows(lake, tables.QUARANTINED_MESSAGES) == 0
    idle = tick(requested.cursor)
    assert not idle.run_requests and idle.skip_reason

    # Late messages of that day: an unusable one stamped that day, and an event of its last
    # minute that Kafka stamped after midnight. Both rebuild that day, and only that day.
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": kafka_broker, "log_level": 0})
    noon = int(datetime(2018, 11, 5, 12, tzinfo=UTC).timestamp() * 1000)
    producer.produce(topics[streamify.PAGE_VIEW_EVENTS], value=b"{", timestamp=noon)
    landed = ds.dataset(
        raw_path(str(lake), topics[streamify.PAGE_VIEW_EVENTS]), partitioning="hive"
    )
    event = json.loads(landed.to_table(["value"]).column("value")[0].as_py())
    event.update(ts=int(datetime(2018, 11, 5, 23, 59, 50, tzinfo=UTC).timestamp() * 1000))
    event.update(itemInSession=9_999)  # an event of its own, not a repeat
    after_midnight = int(datetime(2018, 11, 6, 0, 0, 30, tzinfo=UTC).timestamp() * 1000)
    producer.produce(
        topics[streamify.PAGE_VIEW_EVENTS],
        value=json.dumps(event).encode(),
        timestamp=after_midnight,
    )
    assert producer.flush(30) == 0
    late = _micro_batch(defs, instance)[page_views]
    assert late["messages_read"] == 2
    assert late["days_with_messages"] == [DAY.isoformat()]
    again = tick(requested.cursor)
    assert [r.partition_key for r in again.run_requests] == [DAY.isoformat()]
    assert again.run_requests[0].run_key != requested.run_requests[0].run_key
    clean = dg.AssetSelection.assets(
        tables.QUARANTINED_MESSAGES.name
    ).required_multi_asset_neighbors()
    run_day(DAY.isoformat(), clean)
    assert _rows(lake, tables.QUARANTINED_MESSAGES) == 1
    assert _rows(lake, tables.LOG_EVENTS) == first[page_views]["messages_read"] + 1


def test_a_batch_committed_by_a_run_that_was_never_recorded_has_its_days_reported_next_run(
    spark, kafka_broker, tmp_path, instance
):
    """A run killed after Spark committed its batch, before Dagster recorded it: here a run
    recorded in another instance, which the next run's instance never sees."""
    settings, _, sent = streamed_world(kafka_broker, tmp_path, **dict(WORLD, events_per_day=40))
    defs = build_definitions(settings, compute=LocalSparkCompute(spark=TEST_SPARK))

    with dg.DagsterInstance.ephemeral() as forgotten:
        lost = _micro_batch(defs, forgotten)
    assert sum(m["messages_read"] for m in lost.values()) == sum(sent.messages_by_topic.values())
    recovered = _micro_batch(defs, instance)
    for metadata in recovered.values():
        assert metadata["messages_read"] == 0
        assert metadata["days_with_messages"] == [DAY.isoformat()]
    assert {k: m["end_offsets"] for k, m in recovered.items()} == {
        k: m["end_offsets"] for k, m in lost.items()
    }
    for metadata in _micro_batch(defs, instance).values():
        assert metadata["days_with_messages"] == []


def test_unrecorded_offsets_are_those_between_the_last_record_and_the_checkpoint():
    from sparkify_dagster.steps.stream_ingest import unrecorded_ranges

    assert unrecorded_ranges({0: 5, 1: 7}, {0: 5, 1: 9, 2: 3}) == {1: (7, 9), 2: (0, 3)}
    assert unrecorded_ranges({0: 5}, {0: 5}) == {}
    assert unrecorded_ranges({}, {}) == {}
