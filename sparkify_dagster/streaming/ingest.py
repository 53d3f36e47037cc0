"""One micro-batch of the stream: every new Kafka message into the lake's raw zone, once.

Each topic is one Structured Streaming query, source.KafkaDataSource → Spark's parquet file
sink at <lake>/raw/<topic>/date=YYYY-MM-DD/ (the Kafka timestamp's UTC day), run with
`trigger(availableNow=True)`: it reads what exists when it starts and stops. Exactly once, by
Spark's own protocol: the checkpoint (<lake>/state/stream_checkpoints/<topic>/) logs a batch's
offset range before the batch runs and marks it done after the sink commits it, and the sink
lists a batch's files in its manifest (<lake>/raw/<topic>/_spark_metadata/) in one atomic
step. A run killed mid-batch leaves at most files no manifest lists; the next run redoes that
batch over the same offsets, and readers that go through the manifest (Spark reading the
table's root) never see the leftovers. The queries of the topics run side by side.
"""

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pyspark.errors import PySparkException, StreamingQueryException
from pyspark.sql import SparkSession

from sparkify_dagster.errors import first_line
from sparkify_dagster.filesystems import join
from sparkify_dagster.streaming.kafka import (
    TAIL_IDLE_S,
    KafkaError,
    cluster_metadata,
    end_offsets,
)
from sparkify_dagster.streaming.source import NAME, KafkaDataSource, options_for
from sparkify_dagster.tables import raw_table

CHECKPOINTS = "state/stream_checkpoints"


# What an offset inside a batch's range that gave no message can be.
SKIPPED_OFFSETS_ARE = (
    "deleted by the topic's retention before they were read (skipped only with "
    "fail_on_data_loss off), compacted away, or transaction markers"
)


class IngestError(RuntimeError):
    """A topic's micro-batch failed; the message names the topic and the cause in one line."""


def raw_path(lake: str, topic: str) -> str:
    return join(lake, raw_table(topic).relative_path)


def checkpoint_path(lake: str, topic: str) -> str:
    return join(lake, CHECKPOINTS, topic)


@dataclass
class TopicIngest:
    """What one run read from a topic: messages, micro-batches, and where it stopped."""

    topic: str
    messages: int = 0
    batches: int = 0
    # Partition → next offset: where this run started (the checkpoint's offsets then), and ended.
    start_offsets: dict[int, int] = field(default_factory=dict)
    end_offsets: dict[int, int] = field(default_factory=dict)
    # Messages on the broker past end_offsets when the run ended (arrived during the run).
    lag: dict[int, int] = field(default_factory=dict)
    # Offsets inside the batches' ranges that held no message (SKIPPED_OFFSETS_ARE): counted,
    # so no skip is silent.
    offsets_skipped: int = 0

    @property
    def total_lag(self) -> int:
        return sum(self.lag.values())


def lag(
    kafka_config: Mapping[str, str],
    topic: str,
    read_up_to: Mapping[int, int],
    idle_s: float = TAIL_IDLE_S,
) -> dict[int, int]:
    """Per partition: messages on the broker from `read_up_to` (next offsets) to its end."""
    return {
        p: r.end - max(read_up_to.get(p, r.low), r.low)
        for p, r in sorted(end_offsets(kafka_config, topic, idle_s=idle_s).items())
    }


def _register(spark: SparkSession) -> None:
    spark.dataSource.register(KafkaDataSource)


def ingest_raw(
    spark: SparkSession,
    lake: str,
    topics: Iterable[str],
    kafka_config: Mapping[str, str],
    idle_s: float = TAIL_IDLE_S,
    fail_on_data_loss: bool = True,
) -> list[TopicIngest]:
    """Lands every message not yet in the raw zone of each topic; returns what each read.
    Messages deleted by the topic's retention before they were read fail the run, or with
    `fail_on_data_loss` off are skipped (as Spark's Kafka source's option of that name)."""
    try:  # one failure naming the cause before any query starts, not one per topic
        cluster_metadata(kafka_config)
    except KafkaError as error:
        raise IngestError(str(error)) from None
    _register(spark)
    started = []
    try:
        for topic in topics:
            stream = spark.readStream.format(NAME).options(
                **options_for(topic, kafka_config, idle_s, fail_on_data_loss)
            )
            query = (
                stream.load()
                .writeStream.format("parquet")
                .partitionBy("date")
                .option("checkpointLocation", checkpoint_path(lake, topic))
                .trigger(availableNow=True)
                .start(raw_path(lake, topic))
            )
            started.append((topic, query))
    except BaseException as error:
        for _topic, query in started:  # none left running behind an error
            query.stop()
        if isinstance(error, PySparkException):  # e.g. the source cannot load on the server
            raise IngestError(f"{topic}: {_cause(error)}") from None
        raise
    reports, failures = [], []
    for topic, query in started:
        try:
            query.awaitTermination()
        except StreamingQueryException as error:
            failures.append(_cause(error))
            continue
        report = TopicIngest(topic)
        progresses = query.recentProgress
        for progress in progresses:
            rows = progress.numInputRows
            if rows:
                report.messages += rows
                report.batches += 1
            report.offsets_skipped += _offsets_skipped(progress.sources[0], rows)
        if progresses:
            report.start_offsets = _offsets(progresses[0].sources[0].startOffset)
            report.end_offsets = _offsets(progresses[-1].sources[0].endOffset)
        reports.append(report)
    if failures:
        raise IngestError("; ".join(failures))
    # Each topic's tail is waited for (idle_s): all at once, not one after another.
    with ThreadPoolExecutor(max(len(reports), 1)) as pool:
        lags = pool.map(lambda r: lag(kafka_config, r.topic, r.end_offsets, idle_s), reports)
        for report, topic_lag in zip(reports, lags, strict=True):
            report.lag = topic_lag
    return reports


def _offsets(offset: str | dict | None) -> dict[int, int]:
    """A progress report's offset (our source's JSON {partition: next offset}; none before a
    checkpoint's first batch) as a dict."""
    value = json.loads(offset) if isinstance(offset, str) else offset
    return {int(p): int(o) for p, o in (value or {}).items()}


def _offsets_skipped(source, rows: int) -> int:
    """Offsets of a batch's range that gave no row. A checkpoint's first batch has no start
    offset: it begins at each partition's first kept message, so nothing before is skipped.
    A partition new since the batch's start is counted from offset 0."""
    if source.startOffset is None:
        return 0
    start = _offsets(source.startOffset)
    end = _offsets(source.endOffset)
    return sum(stop - start.get(p, 0) for p, stop in end.items()) - rows


def _cause(error: PySparkException) -> str:
    """What went wrong in one line, without Spark's query dump, the workers' stacks or the JVM's:
    our source's own message (KafkaError) when it raised one; else Spark's first line
    (errors.first_line: with the exception a Python worker raised, when it raised one)."""
    text = str(error)
    for line in text.splitlines():
        if f"{KafkaError.__name__}: " in line:
            return line.split(f"{KafkaError.__name__}: ", 1)[1].strip()
    first = first_line(text) or type(error).__name__
    return first.split("terminated with exception: ", 1)[-1]
