"""The raw zone: every Kafka message lands once, however often and wherever a run stops."""

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import date
from logging import WARNING
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from sparkify_dagster.assets.stream import STREAM_KIND
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.local_server import free_port
from sparkify_dagster.resources.compute import LocalSparkCompute
from sparkify_dagster.settings import KAFKA_TOPICS, SPARK_DRIVER_MEMORY, SPARK_MASTER, Settings
from sparkify_dagster.steps.stream_ingest import MESSAGES_READ, OFFSETS_SKIPPED, STREAM_INGEST_STEP
from sparkify_dagster.streaming.broker import LocalBroker
from sparkify_dagster.streaming.ingest import (
    IngestError,
    checkpoint_path,
    ingest_raw,
    lag,
    raw_path,
)
from sparkify_dagster.streaming.kafka import ensure_topics
from sparkify_dagster.tables import raw_table
from sparkify_dagster_tests.helpers import QUICK_SPARK_ENV, SPARKIFY, TEST_SPARK, sparkify
from sparkify_dagster_tests.streaming.helpers import (
    UNKNOWN_USER,
    client_config,
    produce,
    unique_topics,
)
from sparkify_generator.lake import make_world
from sparkify_generator.streamify import StreamifyEncoder, produce_world

IDLE_S = 0.3  # how long a run waits for a partition's tail: short on a local broker
JAVA_INCUBATOR_NOTICE = "WARNING: Using incubator modules"
SPARK_WARNING = re.compile(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d WARN \w+: ")


def _ingest(spark, lake: Path, topic: str, bootstrap_servers: str):
    (report,) = ingest_raw(spark, str(lake), [topic], client_config(bootstrap_servers), IDLE_S)
    return report


def _raw(spark, lake: Path, topic: str) -> list[tuple]:
    """The raw table read through the file sink's manifest, as the clean step will read it."""
    rows = spark.read.parquet(raw_path(str(lake), topic)).select("partition", "offset", "value")
    return sorted((r.partition, r.offset, bytes(r.value)) for r in rows.collect())


def _topic_with(bootstrap_servers: str, values: list[bytes], partitions: int = 2) -> str:
    topic = unique_topics()["page_view_events"]
    ensure_topics(client_config(bootstrap_servers), [topic], partitions)
    # Batches of many messages: Tansu's watermarks are then wrong, the reader must not care.
    produce(bootstrap_servers, topic, values, **{"linger.ms": 50})
    return topic


def test_each_message_lands_once_and_a_later_run_reads_only_new_ones(spark, kafka_broker, tmp_path):
    first = [f"first {i}".encode() for i in range(200)]
    topic = _topic_with(kafka_broker, first)
    first_run = _ingest(spark, tmp_path, topic, kafka_broker)
    assert first_run.messages == 200 and first_run.total_lag == 0
    later = [f"later {i}".encode() for i in range(100)]
    produce(kafka_broker, topic, later, **{"linger.ms": 50})
    assert sum(lag(client_config(kafka_broker), topic, first_run.end_offsets).values()) == 100
    report = _ingest(spark, tmp_path, topic, kafka_broker)
    assert report.messages == 100 and sum(report.end_offsets.values()) == 300
    assert report.lag == {0: 0, 1: 0}
    assert _ingest(spark, tmp_path, topic, kafka_broker).messages == 0

    rows = _raw(spark, tmp_path, topic)
    assert sorted(value for _p, _o, value in rows) == sorted(first + later)
    assert len({(p, o) for p, o, _v in rows}) == 300
    days = sorted(p.name for p in Path(raw_path(str(tmp_path), topic)).glob("date=*"))
    assert len(days) in (1, 2) and all(len(d) == len("date=2026-12-02") for d in days)
    a_file = next(Path(raw_path(str(tmp_path), topic)).rglob("*.parquet"))
    assert pq.read_schema(a_file).names == raw_table(topic).column_names


@pytest.mark.parametrize(
    "lost",
    [
        pytest.param(["commits"], id="killed after the manifest, before the commit log"),
        pytest.param(["commits", "manifest"], id="killed after writing files, before both"),
    ],
)
def test_a_rerun_after_a_batch_was_cut_short_duplicates_nothing(
    spark, kafka_broker, tmp_path, lost
):
    """A run killed inside a batch's commit leaves the batch's offsets logged and part of its
    commit undone (here undone by hand, the deterministic way to stop at that point)."""
    values = [f"m{i}".encode() for i in range(150)]
    topic = _topic_with(kafka_broker, values)
    _ingest(spark, tmp_path, topic, kafka_broker)
    logs = [Path(checkpoint_path(str(tmp_path), topic)) / "commits"]
    if "manifest" in lost:
        logs.append(Path(raw_path(str(tmp_path), topic)) / "_spark_metadata")
    for log in logs:  # batch 0's entry, and the checksum file Hadoop keeps beside it
        for name in ("0", ".0.crc"):
            (log / name).unlink()
    _ingest(spark, tmp_path, topic, kafka_broker)
    assert sorted(v for _p, _o, v in _raw(spark, tmp_path, topic)) == sorted(values)


def test_a_broker_that_lost_the_messages_already_read_fails_the_run_naming_them(
    spark, kafka_broker, tmp_path
):
    """A local broker keeps its topics in memory: restarted, it numbers from 0 again, which a
    checkpoint further on must not read past silently."""
    topic = _topic_with(kafka_broker, [f"m{i}".encode() for i in range(50)], partitions=1)
    _ingest(spark, tmp_path, topic, kafka_broker)
    with LocalBroker(free_port()) as restarted:
        ensure_topics(client_config(restarted.bootstrap_servers), [topic], 1)
        produce(restarted.bootstrap_servers, topic, [b"after the restart"])
        with pytest.raises(IngestError) as failed:
            _ingest(spark, tmp_path, topic, restarted.bootstrap_servers)
        # The same failure from `sparkify ingest` with its own JVM: the line, no Java or
        # Python stack on the terminal (Spark would log the failed query whole).
        done = sparkify(
            *("ingest", "--kafka", restarted.bootstrap_servers, "--lake", str(tmp_path)),
            env={KAFKA_TOPICS.name: topic},
        )
    assert str(failed.value).startswith(f"{topic}[0] ends at offset 1 on the broker, before ")
    assert "\n" not in str(failed.value)
    assert done.returncode == 1
    *before, last = _printed(done.stderr)
    assert last == f"Error: {failed.value}"
    # Spark's warnings may come first (the checkpoint was written by a session with other
    # settings), each a line of its own; no error record, no stack.
    assert all(SPARK_WARNING.match(line) for line in before), before
    assert len(_raw(spark, tmp_path, topic)) == 50


def _printed(stderr: str) -> list[str]:
    """What a command printed on stderr, but the line Java 17 prints for Spark's JVM."""
    return [line for line in stderr.splitlines() if not line.startswith(JAVA_INCUBATOR_NOTICE)]


def test_refused_credentials_fail_an_ingest_in_one_line_before_it_writes_anything(
    authenticating_broker, shared_spark, tmp_path
):
    lake = tmp_path / "lake"
    done = sparkify(
        *("ingest", "--kafka", authenticating_broker, "--lake", str(lake)),
        env={**shared_spark, **UNKNOWN_USER},
    )
    assert done.returncode == 1
    (line,) = _printed(done.stderr)
    assert line.startswith(f"Error: Kafka at {authenticating_broker} refused the credentials")
    assert not (lake / "raw").exists() and not (lake / "state").exists()


@pytest.fixture
def persistent_broker(s3_endpoint, s3_bucket, monkeypatch) -> Callable[[], LocalBroker]:
    """A broker that keeps its topics in a bucket of the moto server, so they outlive it:
    each call gives a new broker process on the same port and storage (a restart)."""
    monkeypatch.setenv("AWS_ENDPOINT", s3_endpoint)  # read by Tansu's object store
    monkeypatch.setenv("AWS_ALLOW_HTTP", "true")
    port = free_port()
    return lambda: LocalBroker(port, f"s3://{s3_bucket}/")


def _one_message_per_batch(bootstrap_servers: str, topic: str, values: list[bytes]) -> None:
    produce(bootstrap_servers, topic, values, **{"batch.num.messages": 1, "linger.ms": 0})


def test_a_broker_restarted_between_batches_keeps_its_messages_and_the_next_batch_reads_only_new_ones(
    spark, persistent_broker, tmp_path
):
    first = [f"before {i}".encode() for i in range(60)]
    with persistent_broker() as broker:
        topic = _topic_with(broker.bootstrap_servers, first)
        assert _ingest(spark, tmp_path, topic, broker.bootstrap_servers).messages == 60
    later = [f"after {i}".encode() for i in range(40)]
    with persistent_broker() as restarted:
        produce(restarted.bootstrap_servers, topic, later, **{"linger.ms": 50})
        report = _ingest(spark, tmp_path, topic, restarted.bootstrap_servers)
    assert (report.messages, report.offsets_skipped, report.total_lag) == (40, 0, 0)
    rows = _raw(spark, tmp_path, topic)
    assert sorted(value for _p, _o, value in rows) == sorted(first + later)
    assert len({(p, o) for p, o, _v in rows}) == 100


def _delete_first_records(s3_endpoint: str, bucket: str, topic: str, below: int) -> int:
    """What a topic's retention does on a real broker: its oldest records deleted from the
    broker's storage (Tansu keeps one object per record batch); how many were deleted."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    records = [
        o["Key"]
        for page in pages
        for o in page.get("Contents", [])
        if f"/topics/{topic}/partitions/" in o["Key"] and o["Key"].endswith(".batch")
    ]
    old = [key for key in records if int(Path(key).stem) < below]
    for key in old:
        s3.delete_object(Bucket=bucket, Key=key)
    return len(old)


def _skip_with_a_run_config(topic: str, bootstrap_servers: str, lake: Path, shared_spark) -> str:
    """A micro-batch run in Dagster with fail_on_data_loss off; its warnings."""
    settings = Settings(
        source=f"kafka://{bootstrap_servers}", lake=str(lake), kafka_topics=(topic,)
    )
    defs = build_definitions(settings, compute=LocalSparkCompute(spark=TEST_SPARK))
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            defs.assets,
            instance=instance,
            selection=dg.AssetSelection.kind(STREAM_KIND),
            resources=defs.resources,
            run_config={"ops": {STREAM_INGEST_STEP.name: {"config": {"fail_on_data_loss": False}}}},
        )
        (materialized,) = result.asset_materializations_for_node(STREAM_INGEST_STEP.name)
        metadata = {k: v.value for k, v in materialized.metadata.items()}
        assert (metadata[MESSAGES_READ], metadata[OFFSETS_SKIPPED]) == (5, 5)
        return "\n".join(
            r.user_message for r in instance.all_logs(result.run_id) if r.level >= WARNING
        )


def _skip_with_the_cli(topic: str, bootstrap_servers: str, lake: Path, shared_spark) -> str:
    """`sparkify ingest --skip-deleted` (on the tests' Spark); what it printed."""
    ingest = ("ingest", "--kafka", bootstrap_servers, "--lake", str(lake), "--skip-deleted")
    done = sparkify(*ingest, env={**shared_spark, KAFKA_TOPICS.name: topic})
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{topic}: 5 new message(s)" in done.stdout
    return done.stdout


@pytest.mark.parametrize(
    ("skip", "reported"),
    [
        pytest.param(
            _skip_with_a_run_config, "5 offset(s) of the batches held no message", id="run config"
        ),
        pytest.param(_skip_with_the_cli, "5 offset(s) held no message", id="sparkify ingest"),
    ],
)
def test_a_checkpoint_older_than_the_topics_retention_fails_naming_the_lost_offsets_until_told_to_skip(
    spark, shared_spark, persistent_broker, s3_endpoint, s3_bucket, tmp_path, skip, reported
):
    read = [f"read {i}".encode() for i in range(10)]
    unread = [f"unread {i}".encode() for i in range(10)]
    with persistent_broker() as broker:
        topic = unique_topics()["listen_events"]
        ensure_topics(client_config(broker.bootstrap_servers), [topic], 1)
        _one_message_per_batch(broker.bootstrap_servers, topic, read)
        assert _ingest(spark, tmp_path, topic, broker.bootstrap_servers).messages == 10
        _one_message_per_batch(broker.bootstrap_servers, topic, unread)
    # Retention deletes offsets 0..14 while nothing reads the topic: 10..14 were never read.
    assert _delete_first_records(s3_endpoint, s3_bucket, topic, below=15) == 15
    with persistent_broker() as restarted:
        with pytest.raises(IngestError) as failed:
            _ingest(spark, tmp_path, topic, restarted.bootstrap_servers)
        assert str(failed.value) == (
            f"{topic}[0]: offsets 10..14 were deleted (the topic's retention) before they were "
            "read; to skip them, run the micro-batch with fail_on_data_loss: false "
            "(`sparkify ingest --skip-deleted`)"
        )
        assert sorted(v for _p, _o, v in _raw(spark, tmp_path, topic)) == sorted(read)

        # Told to skip them, as an operator would.
        said = skip(topic, restarted.bootstrap_servers, tmp_path, shared_spark)
    assert f"{topic}: {reported}" in said
    rows = _raw(spark, tmp_path, topic)
    assert [(p, o) for p, o, _v in rows] == [(0, o) for o in [*range(10), *range(15, 20)]]
    assert [v for _p, _o, v in rows] == read + unread[5:]


def test_generated_messages_land_in_their_topics_raw_zone_once_on_their_events_day(
    spark, kafka_broker, tmp_path
):
    def world():
        return make_world(start=date(2018, 11, 5), days=1, events_per_day=400, songs=30, seed=3)

    expected: dict[str, list[tuple]] = {}
    encoder, same = StreamifyEncoder(world()), world()
    for _day, windows in same.days_of_events():
        for events in windows:
            for m in encoder.encode(events):
                expected.setdefault(m.topic, []).append((m.key, m.value, m.timestamp_ms))
    topics = unique_topics()
    produce_world(world(), client_config(kafka_broker), topics=topics, partitions=2)
    reports = ingest_raw(spark, str(tmp_path), topics.values(), client_config(kafka_broker), IDLE_S)

    assert {r.topic: r.messages for r in reports} == {
        topics[t]: len(sent) for t, sent in expected.items()
    }
    for streamify_topic, topic in topics.items():
        raw = spark.read.parquet(raw_path(str(tmp_path), topic))
        assert {r.date for r in raw.select("date").distinct().collect()} == {date(2018, 11, 5)}
        landed = [
            (bytes(r.key), bytes(r.value), int(r.timestamp.timestamp() * 1000))
            for r in raw.collect()
        ]
        assert sorted(landed) == sorted(expected[streamify_topic]), streamify_topic


def _first_file(root: Path, pattern: str) -> bool:
    return root.is_dir() and next(root.rglob(pattern), None) is not None


@pytest.mark.parametrize(
    ("watched", "pattern"),
    [
        pytest.param("checkpoint", "offsets/0", id="killed once the batch is planned"),
        pytest.param("raw", "*.parquet", id="killed once the batch writes files"),
    ],
)
def test_an_ingest_process_killed_mid_batch_then_rerun_loses_and_duplicates_nothing(
    spark, kafka_broker, tmp_path, watched, pattern
):
    values = [f"message {i:05d}".encode() for i in range(3_000)]
    topic = _topic_with(kafka_broker, values)
    environment = {
        **os.environ,
        KAFKA_TOPICS.name: topic,
        SPARK_MASTER.name: "local[2]",
        SPARK_DRIVER_MEMORY.name: "1g",
        **QUICK_SPARK_ENV,
    }
    command = [*SPARKIFY, "ingest", "--kafka", kafka_broker, "--lake", str(tmp_path)]
    # Its own process group: the JVM and Python workers die with it, as in a machine's crash.
    process = subprocess.Popen(
        command,
        env=environment,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    root = {
        "checkpoint": Path(checkpoint_path(str(tmp_path), topic)),
        "raw": Path(raw_path(str(tmp_path), topic)),
    }[watched]
    deadline = time.monotonic() + 240
    while not _first_file(root, pattern) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    output = process.communicate()[0].decode(errors="replace")
    assert process.returncode == -signal.SIGKILL, f"the run ended before the kill: {output}"
    _ingest(spark, tmp_path, topic, kafka_broker)
    assert sorted(v for _p, _o, v in _raw(spark, tmp_path, topic)) == values


# What Spark Connect raised when a server's Python workers lacked pyarrow (its JVM stack cut).
SOURCE_FAILED_ON_THE_SERVER = """[PYTHON_DATA_SOURCE_ERROR] Failed to create Python data source \
instance: Traceback (most recent call last):
  File "/opt/app/sparkify_dagster/streaming/source.py", line 228, in <module>
    RAW_SCHEMA, RAW_ARROW_SCHEMA = _raw_schema()
                                   ^^^^^^^^^^^^^
  File "/opt/app/sparkify_dagster/streaming/source.py", line 215, in _raw_schema
    import pyarrow as pa
ModuleNotFoundError: No module named 'pyarrow'
 SQLSTATE: 38000

JVM stacktrace:
org.apache.spark.sql.AnalysisException
\tat org.apache.spark.sql.errors.QueryCompilationErrors$.pythonDataSourceError(Query...)
"""


def test_a_python_workers_error_is_told_in_one_line_with_its_exception():
    from pyspark.errors import AnalysisException

    from sparkify_dagster.streaming.ingest import _cause

    assert _cause(AnalysisException(SOURCE_FAILED_ON_THE_SERVER)) == (
        "[PYTHON_DATA_SOURCE_ERROR] Failed to create Python data source instance: "
        "ModuleNotFoundError: No module named 'pyarrow'"
    )
