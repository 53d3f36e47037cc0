"""confluent-kafka clients for the streaming source: topics, and how far a partition really goes.

How far to read is the one fact a stream reader cannot get wrong, and the broker's high watermark
cannot be trusted for it: Tansu 0.6.0 reports the last *batch's* first offset + 1 (10 messages
sent as one batch: watermark 1). `end_offsets` therefore reads each partition's tail from one
before the watermark until nothing more arrives: on Tansu that is the last batch, on a real
Kafka (where the watermark is right) one message. Pure confluent-kafka; no Spark.
"""

import re
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sparkify_dagster.settings import (
    KAFKA_SASL_MECHANISM,
    KAFKA_SASL_PASSWORD,
    KAFKA_SASL_SECRET,
    KAFKA_SASL_USERNAME,
    KAFKA_SECURITY_PROTOCOL,
)

# librdkafka logs every failed connection attempt to stderr (20 lines a second while a broker is
# down) and every idle disconnect; what matters reaches us as an exception or a delivery error.
QUIET = {"log_level": 0}
# How long a partition's tail is polled, once it seems read, before its end is taken as found.
# Shorter only risks leaving a message that was in flight for the next micro-batch.
TAIL_IDLE_S = 0.5
# How long a metadata request may go unanswered before the broker counts as not answering.
METADATA_TIMEOUT_S = 10.0
# What the user sets when the broker refuses the credentials.
CREDENTIAL_SETTINGS = tuple(
    v.name
    for v in (
        KAFKA_SECURITY_PROTOCOL,
        KAFKA_SASL_MECHANISM,
        KAFKA_SASL_USERNAME,
        KAFKA_SASL_PASSWORD,
        KAFKA_SASL_SECRET,
    )
)
_BROKER_PREFIX = re.compile(r"^\S+/(bootstrap|\d+): ")
_STATE_SUFFIX = re.compile(r" \(after \d+ms in state \w+\)$")


class KafkaError(RuntimeError):
    """The broker could not be reached or answered unexpectedly; the message says why."""


def manual_consumer(config: Mapping[str, str]):
    """A consumer for assign() and seek only: Spark's checkpoint holds the offsets."""
    from confluent_kafka import Consumer

    # Never commits nor subscribes: the group id is only what librdkafka requires.
    return Consumer(
        {
            **QUIET,
            **config,
            "group.id": f"sparkify-probe-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 50,
        }
    )


def _bare(error) -> str:
    """librdkafka's text of an error without the broker it came from and the connection state
    ("127.0.0.1:9092/bootstrap: … (after 27ms in state AUTH_REQ)")."""
    text = _BROKER_PREFIX.sub("", error.str())
    return _STATE_SUFFIX.sub("", text)


def _why_no_answer(config: Mapping[str, str], failure, seen: list) -> str:
    """Why the broker gave no metadata, in one line: the most telling error librdkafka reported
    on the way (refused credentials, an unresolvable name, a refused connection), rather than
    the request's own "Broker transport failure", which every one of them ends in."""
    from confluent_kafka import KafkaError as Code

    servers = config["bootstrap.servers"]
    refused = [e for e in seen if e.code() == Code._AUTHENTICATION]
    if refused:
        who = ", ".join(v for v in (config.get("sasl.mechanism"), config.get("sasl.username")) if v)
        return (
            f"Kafka at {servers} refused the credentials ({who or config.get('security.protocol')}"
            f"): {_bare(refused[-1])}; check {', '.join(CREDENTIAL_SETTINGS)}"
        )
    telling = [e for e in seen if e.code() != Code._ALL_BROKERS_DOWN]
    if telling:
        cause = _bare(telling[-1])
    elif seen:  # connected, then dropped with no error: what a TLS or SASL listener does
        cause = (
            "it closed every connection (does its listener want TLS or SASL? check "
            f"{KAFKA_SECURITY_PROTOCOL.name})"
        )
    else:
        cause = failure.args[0].str()
    return f"Kafka at {servers} did not answer: {cause}"


def _admin(config: Mapping[str, str]):
    """An admin client, and the errors librdkafka reports for it (error_cb) as they come."""
    from confluent_kafka.admin import AdminClient

    seen: list = []
    return AdminClient({**QUIET, **config, "error_cb": seen.append}), seen


def _metadata(admin, seen: list, config: Mapping[str, str], timeout_s: float = METADATA_TIMEOUT_S):
    from confluent_kafka import KafkaError as Code
    from confluent_kafka import KafkaException

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return admin.list_topics(timeout=max(min(1.0, deadline - time.monotonic()), 0.05))
        except KafkaException as error:
            failure = error
        admin.poll(0.05)  # serves error_cb: what went wrong on the way
        refused = any(e.code() == Code._AUTHENTICATION for e in seen)
        if refused or time.monotonic() >= deadline:
            raise KafkaError(_why_no_answer(config, failure, seen))


def cluster_metadata(config: Mapping[str, str], timeout_s: float = METADATA_TIMEOUT_S):
    """The broker's metadata of every topic, or KafkaError saying why there is none. Asks in
    short rounds and stops at once when a broker refused the credentials: every broker of a
    cluster takes the same, and librdkafka would retry them until the timeout."""
    return _metadata(*_admin(config), config, timeout_s)


def ensure_topics(config: Mapping[str, str], topics: Iterable[str], partitions: int) -> None:
    """Creates the topics that do not exist yet, with `partitions` partitions each."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import NewTopic

    admin, seen = _admin(config)
    existing = set(_metadata(admin, seen, config).topics)
    wanted = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
    if not wanted:
        return
    for topic, future in admin.create_topics(wanted, request_timeout=10).items():
        try:
            future.result()
        except KafkaException as error:
            if "already exists" not in error.args[0].str().lower():
                raise KafkaError(f"creating topic {topic}: {error.args[0].str()}") from None


def topic_partitions(
    config: Mapping[str, str], topic: str, timeout_s: float = METADATA_TIMEOUT_S
) -> list[int]:
    """The partitions of `topic`, sorted; none when the topic does not exist (yet). Asks for
    every topic's metadata: asking for one topic by name makes Tansu create it."""
    metadata = cluster_metadata(config, timeout_s).topics.get(topic)
    if metadata is None or metadata.error is not None:
        return []
    return sorted(metadata.partitions)


@dataclass(frozen=True)
class PartitionRange:
    """What a partition holds now: `low` is its first kept offset, `end` one past its last."""

    low: int
    end: int


def end_offsets(
    config: Mapping[str, str],
    topic: str,
    idle_s: float = TAIL_IDLE_S,
    timeout_s: float = 30.0,
) -> dict[int, PartitionRange]:
    """Each partition's kept offsets, read to the end (see the module's docstring): the tail
    from one before the high watermark is polled until `idle_s` pass without a message."""
    from confluent_kafka import TopicPartition

    partitions = topic_partitions(config, topic)
    if not partitions:
        return {}
    consumer = manual_consumer(config)
    try:
        marks = {}
        for p in partitions:
            try:
                marks[p] = consumer.get_watermark_offsets(
                    TopicPartition(topic, p), timeout=timeout_s
                )
            except Exception as error:  # KafkaException, or a timeout as a plain exception
                raise KafkaError(f"{topic}[{p}]: no offsets from the broker ({error})") from None
        consumer.assign(
            [TopicPartition(topic, p, max(low, high - 1)) for p, (low, high) in marks.items()]
        )
        last = {p: high - 1 for p, (_low, high) in marks.items()}
        deadline = time.monotonic() + timeout_s
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < idle_s:
            if time.monotonic() > deadline:
                raise KafkaError(f"{topic}: still reading its tail after {timeout_s:.0f} s")
            for message in consumer.consume(num_messages=10_000, timeout=0.05):
                if message.error() is None:
                    p = message.partition()
                    last[p] = max(last[p], message.offset())
                    quiet_since = time.monotonic()
    finally:
        consumer.close()
    return {p: PartitionRange(low=low, end=last[p] + 1) for p, (low, _high) in marks.items()}
