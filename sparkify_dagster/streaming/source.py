"""A Spark streaming source over confluent-kafka: PySpark's Python Data Source API.

Why our own: Spark's built-in `kafka` format needs the spark-sql-kafka-0-10 jar, which PySpark
does not bundle and which cannot be fetched here (on EMR it is part of the Spark install, and
`format("kafka")` is the one to use there). The contract is the same as the built-in one: an
offset is {partition: next offset} for one topic; each micro-batch reads exactly the range
[start, end) that Spark logged in the checkpoint before running it, so a batch rerun after a
crash reads the same messages again, and the file sink's manifest (`_spark_metadata`) commits
each batch's files once. `end` comes from kafka.end_offsets (never from a watermark alone).

Rows: the message as received (key and value bytes) with topic, partition, offset, the Kafka
timestamp (UTC) and its UTC `date`, the raw zone's partition column (raw_time_and_day).
"""

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pyspark.sql.datasource import DataSource, DataSourceStreamReader, InputPartition

from sparkify_dagster.streaming.kafka import TAIL_IDLE_S, KafkaError, end_offsets, manual_consumer

NAME = "sparkify_kafka"
# Options: `topic`, and every librdkafka setting as `kafka.<name>` (as Spark's Kafka source
# takes them; Spark redacts option values whose names say password, secret or token).
TOPIC_OPTION = "topic"
KAFKA_PREFIX = "kafka."
IDLE_OPTION = "tailIdleSeconds"
# As Spark's Kafka source: messages deleted before they were read fail the batch, unless false.
FAIL_ON_DATA_LOSS_OPTION = "failOnDataLoss"
# Rows go to Spark as Arrow record batches of this many rows.
_ROWS_PER_BATCH = 20_000
_NO_TIMESTAMP = 0  # confluent_kafka.TIMESTAMP_NOT_AVAILABLE


def options_for(
    topic: str,
    config: Mapping[str, str],
    idle_s: float = TAIL_IDLE_S,
    fail_on_data_loss: bool = True,
) -> dict[str, str]:
    """readStream options for one topic from a confluent-kafka config dict."""
    return {
        TOPIC_OPTION: topic,
        IDLE_OPTION: str(idle_s),
        FAIL_ON_DATA_LOSS_OPTION: str(fail_on_data_loss).lower(),
        **{KAFKA_PREFIX + key: str(value) for key, value in config.items()},
    }


def _kafka_config(options: Mapping[str, str]) -> dict[str, str]:
    return {
        key[len(KAFKA_PREFIX) :]: value
        for key, value in options.items()
        if key.lower().startswith(KAFKA_PREFIX)
    }


@dataclass(frozen=True)
class TopicPartitionRange(InputPartition):
    """One Spark task: offsets [start, end) of one partition."""

    topic: str
    partition: int
    start: int
    end: int


class KafkaStreamReader(DataSourceStreamReader):
    def __init__(self, options: Mapping[str, str]) -> None:
        self.topic = options[TOPIC_OPTION]
        self.config = _kafka_config(options)
        self.idle_s = float(options.get(IDLE_OPTION, TAIL_IDLE_S))
        self.fail_on_data_loss = options.get(FAIL_ON_DATA_LOSS_OPTION, "true").lower() != "false"
        self._low: dict[str, int] = {}  # each partition's first kept offset, as last seen

    def _ranges(self):
        return end_offsets(self.config, self.topic, idle_s=self.idle_s)

    def initialOffset(self) -> dict:
        """A new checkpoint starts at each partition's first kept message."""
        return {str(p): r.low for p, r in self._ranges().items()}

    def latestOffset(self, start: dict, limit) -> dict:
        """Every partition's end (all available: availableNow). A partition that ends before
        the checkpoint's offset lost messages on the broker (a topic recreated, an in-memory
        broker restarted): reading on would skip or misnumber messages, so the batch fails."""
        ranges = {str(p): r for p, r in self._ranges().items()}
        for p, offset in sorted(start.items()):
            end = ranges[p].end if p in ranges else 0
            if end < offset:
                raise KafkaError(
                    f"{self.topic}[{p}] ends at offset {end} on the broker, before "
                    f"offset {offset} already read: the broker lost messages (topic recreated, "
                    f"or an in-memory broker restarted); this stream's checkpoint no longer fits"
                )
            if p not in ranges:  # a partition gone before anything was read from it
                continue
            if ranges[p].low > offset and self.fail_on_data_loss:
                raise KafkaError(
                    f"{self.topic}[{p}]: offsets {offset}..{ranges[p].low - 1} were deleted "
                    "(the topic's retention) before they were read; to skip them, run the "
                    "micro-batch with fail_on_data_loss: false (`sparkify ingest --skip-deleted`)"
                )
        self._low = {p: r.low for p, r in ranges.items()}
        return {p: r.end for p, r in ranges.items()}

    def partitions(self, start: dict, end: dict) -> Sequence[InputPartition]:
        """One task per partition with new messages; a partition new since the checkpoint
        starts at its first kept offset, and deleted offsets (allowed by the option) are
        skipped, not asked for."""
        low = self._low
        tasks = []
        for p, stop in sorted(end.items(), key=lambda item: int(item[0])):
            first = max(start.get(p, low.get(p, 0)), low.get(p, 0))
            if stop > first:
                tasks.append(TopicPartitionRange(self.topic, int(p), first, stop))
        return tasks

    def read(self, partition: TopicPartitionRange) -> Iterator:
        return read_range(self.config, partition)

    def commit(self, end: dict) -> None:
        """Nothing to do: the checkpoint, not the consumer group, holds the offsets."""


def raw_time_and_day(timestamp: tuple[int, int], read_on: date) -> tuple[datetime | None, date]:
    """A message's Kafka timestamp (confluent-kafka's (type, ms)) and its raw day. A message
    without one (a pre-0.10 producer's) has the day it was read: the runs of that day and its
    neighbours read it (transforms.stream_events.kafka_days), where a fixed day such as the
    epoch's would be read by none. A batch redone after a crash may give it a later day; only
    one attempt's files are ever committed, so it still lands once."""
    kind, ms = timestamp
    if kind == _NO_TIMESTAMP:
        return None, read_on
    at = datetime.fromtimestamp(ms / 1000, UTC)
    return at, at.date()


def read_range(
    config: Mapping[str, str], task: TopicPartitionRange, timeout_s: float = 60.0
) -> Iterator:
    """The messages of [start, end) as Arrow record batches; KafkaError if the broker does not
    deliver up to `end` (it would otherwise be a silent gap)."""
    import pyarrow as pa
    from confluent_kafka import Consumer, TopicPartition

    consumer: Consumer = manual_consumer(config)
    read_on = datetime.now(UTC).date()
    schema = RAW_ARROW_SCHEMA
    columns: dict[str, list] = {name: [] for name in schema.names}
    try:
        consumer.assign([TopicPartition(task.topic, task.partition, task.start)])
        position = task.start
        progress_at = time.monotonic()
        while position < task.end:
            messages = consumer.consume(num_messages=10_000, timeout=0.2)
            for message in messages:
                if message.error() is not None:
                    continue
                offset = message.offset()
                if offset >= task.end:
                    position = task.end
                    continue
                if offset < position:
                    continue
                at, day = raw_time_and_day(message.timestamp(), read_on)
                columns["topic"].append(task.topic)
                columns["partition"].append(task.partition)
                columns["offset"].append(offset)
                columns["timestamp"].append(at)
                columns["key"].append(message.key())
                columns["value"].append(message.value())
                columns["date"].append(day)
                position = offset + 1
            if messages:
                progress_at = time.monotonic()
            else:
                # Skipped offsets (control records, compaction) are behind the position.
                fetched = consumer.position([TopicPartition(task.topic, task.partition)])[0]
                if fetched.offset >= task.end:
                    position = task.end
                elif time.monotonic() - progress_at > timeout_s:
                    raise KafkaError(
                        f"{task.topic}[{task.partition}]: offsets {position}..{task.end - 1} "
                        f"not delivered within {timeout_s:.0f} s"
                    )
            if len(columns["offset"]) >= _ROWS_PER_BATCH:
                yield pa.RecordBatch.from_pydict(columns, schema=schema)
                columns = {name: [] for name in schema.names}
    finally:
        consumer.close()
    if columns["offset"]:
        yield pa.RecordBatch.from_pydict(columns, schema=schema)


class KafkaDataSource(DataSource):
    """`spark.readStream.format("sparkify_kafka").options(**options_for(topic, config))`."""

    @classmethod
    def name(cls) -> str:
        return NAME

    def schema(self):
        return RAW_SCHEMA

    def streamReader(self, schema) -> DataSourceStreamReader:
        if TOPIC_OPTION not in self.options:
            raise KafkaError(f"the {NAME} source needs the option {TOPIC_OPTION!r}")
        return KafkaStreamReader(self.options)


def _raw_schema():
    import pyarrow as pa
    from pyspark.sql import types as T
    from pyspark.sql.pandas.types import to_arrow_schema

    from sparkify_dagster.tables import PARTITION_COLUMN, RAW_TABLES

    columns = RAW_TABLES[0].columns  # every topic's raw table has these columns
    spark_schema = T.StructType([*columns.fields, T.StructField(PARTITION_COLUMN, T.DateType())])
    arrow = to_arrow_schema(spark_schema, timezone="UTC")
    return spark_schema, pa.schema([f.remove_metadata() for f in arrow])


# The rows: the raw tables' columns, then the day of the Kafka timestamp (their partitions).
RAW_SCHEMA, RAW_ARROW_SCHEMA = _raw_schema()
