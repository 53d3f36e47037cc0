"""The stream (Kafka → raw zone → clean, star and warehouse tables): rate, run cost, freshness.

- ingest rate: one `ingest_raw` (Spark Structured Streaming over our confluent-kafka data
  source, the three topics' queries side by side) from the local broker into the raw zone ÷ a
  bare confluent-kafka consumer writing the same messages, with the same columns, to parquet
  partitioned by day with pyarrow; messages per second, goal >= 0.5;
- micro-batch run: one run of the `stream_micro_batch` job in a new process (`dagster job
  execute`, the way Dagster's launcher starts a run worker) landing a few thousand new events,
  on a warm Spark Connect server (`sparkify spark-server`); wall seconds, goal <= 15;
- freshness: an event produced at T is in `songplays` and in the warehouse by T + the wait for
  the schedule's next tick (at worst the whole cadence) + the micro-batch run + the wait for the
  `stream_days` sensor's next tick (at worst its interval) + the daily run of its day; the two
  runs are measured (new processes, on the server) and the rows checked, the waits are their
  worst cases; ÷ the cadence, goal <= 2.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from benchmarks.report import Figure
from benchmarks.scale import Scale
from sparkify_dagster.jobs import daily_star_schema_job, song_catalogue_job
from sparkify_dagster.local_server import free_port
from sparkify_dagster.resources.spark import SparkResource
from sparkify_dagster.sensors.raw_files import TICK_SECONDS
from sparkify_dagster.sensors.stream import stream_micro_batch_job
from sparkify_dagster.settings import (
    KAFKA_SOURCE_SCHEME,
    KAFKA_TOPICS,
    LAKE,
    SONG_SOURCE,
    SOURCE,
    SPARK_JAVA_OPTIONS,
    SPARK_REMOTE,
    START_DATE,
    STREAM_INTERVAL_MINUTES,
)
from sparkify_dagster.spark_connect import SparkConnectServer
from sparkify_dagster.streaming import streamify
from sparkify_dagster.streaming.broker import LocalBroker
from sparkify_dagster.streaming.ingest import ingest_raw
from sparkify_dagster.streaming.source import RAW_ARROW_SCHEMA, raw_time_and_day
from sparkify_dagster.tables import PARTITION_COLUMN, SONGPLAYS
from sparkify_generator import open_sink
from sparkify_generator.lake import make_world
from sparkify_generator.streamify import produce_world

PARTITIONS = 3  # per topic, as `sparkify generate --kafka` creates them


def _progress(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


def _topics(prefix: str) -> dict[str, str]:
    return {topic: f"{prefix}-{topic}" for topic in streamify.TOPICS}


def _produce(servers: str, topics: dict[str, str], events: int, seed: int, day: date) -> dict:
    """One day of the generator's events (seeded) to `topics`; messages per topic."""
    world = make_world(start=day, days=1, events_per_day=events, songs=200, seed=seed)
    summary = produce_world(world, {"bootstrap.servers": servers}, topics, PARTITIONS)
    return summary.messages_by_topic


# ---- Ingest rate ----------------------------------------------------------------------------------


def bare_ingest(servers: str, topic: str, ends: dict[int, int], root: Path) -> int:
    """What the raw zone holds, the way one would write it without Spark: a confluent-kafka
    consumer reads each partition up to `ends`, pyarrow writes parquet partitioned by day."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": servers,
            "group.id": f"bare-{topic}",
            "enable.auto.commit": False,
            "log_level": 0,
        }
    )
    columns: dict[str, list] = {name: [] for name in RAW_ARROW_SCHEMA.names}
    read_on = datetime.now(UTC).date()
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in ends])
        left = {p: end for p, end in ends.items() if end > 0}
        while left:
            for message in consumer.consume(num_messages=10_000, timeout=1.0):
                partition, offset = message.partition(), message.offset()
                if message.error() is not None or offset >= ends.get(partition, 0):
                    continue
                at, day = raw_time_and_day(message.timestamp(), read_on)
                for name, value in zip(
                    RAW_ARROW_SCHEMA.names,
                    (topic, partition, offset, at, message.key(), message.value(), day),
                    strict=True,
                ):
                    columns[name].append(value)
                if offset + 1 >= ends[partition]:
                    left.pop(partition, None)
    finally:
        consumer.close()
    table = pa.Table.from_pydict(columns, schema=RAW_ARROW_SCHEMA)
    pq.write_to_dataset(table, root, partition_cols=[PARTITION_COLUMN])
    return table.num_rows


def ingest_rate_figure(ours: float, bare: float, messages: int, detail: str) -> Figure:
    return Figure(
        name=f"stream ingest rate: {messages:,} messages into the raw zone",
        a_label="ours",
        a=messages / ours,
        b_label="bare consumer",
        b=messages / bare,
        goal=">= 0.5",
        unit="msg/s",
        detail=detail,
    )


def _ingest_rate(servers: str, work: Path, scale: Scale, day: date) -> Figure:
    spark = SparkResource().get_session()  # every default, as the other figures' runs
    if scale.warm_up:
        warm = _topics("warm")
        _produce(servers, warm, scale.stream_events // 10, seed=1, day=day)
        ingest_raw(
            spark, str(work / "warm_lake"), list(warm.values()), {"bootstrap.servers": servers}
        )
    topics = _topics("rate")
    _progress(f"producing ~{scale.stream_events:,} events to the broker")
    produced = _produce(servers, topics, scale.stream_events, seed=42, day=day)
    messages = sum(produced.values())
    _progress(f"ingesting {messages:,} messages with Spark, then with a bare consumer")
    started = time.perf_counter()
    reports = ingest_raw(
        spark, str(work / "lake"), list(topics.values()), {"bootstrap.servers": servers}
    )
    ours = time.perf_counter() - started
    assert sum(r.messages for r in reports) == messages, (reports, produced)
    started = time.perf_counter()
    written = sum(
        bare_ingest(servers, r.topic, r.end_offsets, work / "bare" / r.topic) for r in reports
    )
    bare = time.perf_counter() - started
    assert written == messages, (written, messages)
    detail = (
        f"{len(topics)} topics of {PARTITIONS} partitions on the local broker (Tansu); ours: one "
        f"ingest_raw in a warm local SparkSession (its queries side by side, checkpoint and file "
        f"sink manifest included); bare: one consumer, topic after topic, then pyarrow's "
        f"write_to_dataset; {ours:.1f} s against {bare:.1f} s"
    )
    return ingest_rate_figure(ours, bare, messages, detail)


# ---- Runs in new processes --------------------------------------------------------------------------


def _dagster_job(environment: dict[str, str], job: str, tags: dict | None = None) -> float:
    """`dagster job execute` of the code location in a new process; its wall seconds."""
    command = [
        str(Path(sys.executable).parent / "dagster"),
        *("job", "execute", "-m", "sparkify_dagster.definitions", "-j", job),
    ]
    if tags:
        command += ["--tags", json.dumps(tags)]
    started = time.perf_counter()
    run = subprocess.run(command, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0 or "RUN_SUCCESS" not in run.stdout + run.stderr:
        tail = (run.stdout + run.stderr)[-2000:]
        raise RuntimeError(f"{job} failed in a new process:\n{tail}")
    return seconds


def _stream_environment(work: Path, servers: str, topics: dict[str, str], day: date) -> dict:
    """The environment of a code location whose source is the broker (settings.py's names)."""
    home = work / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").touch()
    keep = {SPARK_JAVA_OPTIONS.name}  # the one setting the benchmarks take (the tests' quick run)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SPARKIFY_") or k in keep},
        "DAGSTER_HOME": str(home),
        SOURCE.name: f"{KAFKA_SOURCE_SCHEME}{servers}",
        LAKE.name: str(work / "stream_lake"),
        SONG_SOURCE.name: str(work / "songs"),
        KAFKA_TOPICS.name: ",".join(topics[t] for t in streamify.TOPICS),
        START_DATE.name: day.isoformat(),
    }


def micro_batch_figure(seconds: list[float], own_spark: float | None, events: int) -> Figure:
    own = f"; with its own Spark (a new JVM) {own_spark:.1f} s" if own_spark else ""
    return Figure(
        name=f"stream micro-batch run: ~{events:,} new events, new process",
        a_label="run (median)",
        a=statistics.median(seconds),
        goal="<= 15",
        detail=(
            "`dagster job execute -j stream_micro_batch` (imports, definitions, the run, its "
            "three topics' queries) on a warm `sparkify spark-server`; runs "
            + ", ".join(f"{s:.1f} s" for s in seconds)
            + own
        ),
    )


def freshness_figure(micro_batch: float, daily: float, cadence_s: float) -> Figure:
    worst = cadence_s + micro_batch + TICK_SECONDS + daily
    return Figure(
        name="stream freshness: produced → songplays and warehouse, worst case ÷ cadence",
        a_label="worst case",
        a=worst,
        b_label="cadence",
        b=cadence_s,
        goal="<= 2",
        detail=(
            f"{cadence_s:.0f} s to the schedule's next tick + the micro-batch run "
            f"{micro_batch:.1f} s + {TICK_SECONDS} s to the stream_days sensor's next tick + "
            f"the day's daily run (clean, star tables, warehouse) {daily:.1f} s, both runs new "
            "processes on the server, the event's play found in songplays and fact_streams"
        ),
    )


def _plays_in_lake_and_warehouse(lake: Path, day: date) -> tuple[int, int]:
    songplays = lake / SONGPLAYS.relative_path / f"{PARTITION_COLUMN}={day.isoformat()}"
    with duckdb.connect() as db:
        (in_lake,) = db.execute(f"SELECT count(*) FROM '{songplays}/*.parquet'").fetchone()
    with duckdb.connect(str(lake / "warehouse" / "sparkify_read.duckdb"), read_only=True) as db:
        (in_warehouse,) = db.execute(
            "SELECT count(*) FROM fact_streams WHERE event_date = ?", [day]
        ).fetchone()
    return in_lake, in_warehouse


def _runs_on_the_server(servers: str, work: Path, scale: Scale, day: date) -> list[Figure]:
    topics = _topics("runs")
    world = make_world(
        start=day, days=1, events_per_day=scale.micro_batch_events, songs=200, seed=7
    )
    open_sink(str(work / "songs")).write_text_files(world.catalogue.song_files)
    environment = _stream_environment(work, servers, topics, day)
    seeds = iter(range(7, 100))

    def micro_batch(env: dict[str, str]) -> float:
        produced = _produce(servers, topics, scale.micro_batch_events, next(seeds), day)
        _progress(f"a micro-batch of {sum(produced.values()):,} new messages, new process")
        return _dagster_job(env, stream_micro_batch_job.name)

    def daily_run(env: dict[str, str]) -> float:
        _progress(f"the daily run of {day}, new process")
        return _dagster_job(env, daily_star_schema_job.name, {"dagster/partition": day.isoformat()})

    own_spark = micro_batch(environment) if scale.warm_up else None  # for comparison
    with SparkConnectServer(
        SparkResource().session_config(), free_port(), log_file=work / "spark-server.log"
    ) as server:
        on_server = {**environment, SPARK_REMOTE.name: server.url}
        _dagster_job(on_server, song_catalogue_job.name)  # the new_song_files sensor's run
        if scale.warm_up:  # a server that has run each job before, as one that has been up
            micro_batch(on_server)
            daily_run(on_server)
        seconds = [micro_batch(on_server) for _ in range(max(scale.timed_runs + 1, 1))]
        daily = daily_run(on_server)
    in_lake, in_warehouse = _plays_in_lake_and_warehouse(work / "stream_lake", day)
    plays = _count_topic(servers, topics[streamify.LISTEN_EVENTS])
    assert in_lake == in_warehouse == plays, (in_lake, in_warehouse, plays)
    cadence_s = STREAM_INTERVAL_MINUTES.default * 60
    return [
        micro_batch_figure(seconds, own_spark, scale.micro_batch_events),
        freshness_figure(statistics.median(seconds), daily, cadence_s),
    ]


def _count_topic(servers: str, topic: str) -> int:
    from sparkify_dagster.streaming.kafka import end_offsets

    return sum(r.end - r.low for r in end_offsets({"bootstrap.servers": servers}, topic).values())


def run(work: Path, scale: Scale) -> list[Figure]:
    day = datetime.now(UTC).date() - timedelta(days=1)
    with LocalBroker(free_port(), log_file=work / "broker.log") as broker:
        (work / "rate").mkdir()
        figures = [_ingest_rate(broker.bootstrap_servers, work / "rate", scale, day)]
        runs = work / "runs"
        runs.mkdir()
        figures += _runs_on_the_server(broker.bootstrap_servers, runs, scale, day)
    return figures
