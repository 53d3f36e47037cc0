"""Reading a topic's end: right on a broker whose high watermark is wrong (Tansu's batches).
A broker that gives no answer: the reason, in one line."""

import time

import pytest

from sparkify_dagster.local_server import free_port
from sparkify_dagster.settings import KAFKA_SASL_PASSWORD, KAFKA_SECURITY_PROTOCOL
from sparkify_dagster.streaming.kafka import (
    KafkaError,
    PartitionRange,
    end_offsets,
    ensure_topics,
    topic_partitions,
)
from sparkify_dagster_tests.streaming.helpers import (
    UNKNOWN_USER,
    client_config,
    produce,
    unique_topics,
    unknown_user_config,
)


def test_end_offsets_count_every_message_of_batched_produces(kafka_broker):
    """Tansu reports the last batch's first offset + 1 as the watermark: 25 messages sent in
    batches must still end at 25, and at 40 after a second round."""
    config = client_config(kafka_broker)
    topic = unique_topics()["listen_events"]
    ensure_topics(config, [topic], partitions=1)
    produce(kafka_broker, topic, [f"m{i}".encode() for i in range(25)], **{"linger.ms": 100})
    assert end_offsets(config, topic) == {0: PartitionRange(low=0, end=25)}
    produce(kafka_broker, topic, [f"n{i}".encode() for i in range(15)], **{"linger.ms": 100})
    assert end_offsets(config, topic) == {0: PartitionRange(low=0, end=40)}


def test_a_topic_that_does_not_exist_has_no_partitions(kafka_broker):
    assert end_offsets(client_config(kafka_broker), unique_topics()["auth_events"]) == {}


def test_refused_credentials_fail_at_once_naming_the_user_and_never_the_password(
    authenticating_broker,
):
    started = time.monotonic()
    with pytest.raises(KafkaError) as refused:
        topic_partitions(unknown_user_config(authenticating_broker), "any", timeout_s=60)
    # librdkafka would retry until the timeout; a refusal does not change by waiting.
    assert time.monotonic() - started < 30
    assert str(refused.value).startswith(
        f"Kafka at {authenticating_broker} refused the credentials (SCRAM-SHA-512, alice): "
        "SASL authentication error: SASL SCRAM authentication failed"
    )
    assert KAFKA_SASL_PASSWORD.name in str(refused.value)  # what to check
    assert UNKNOWN_USER[KAFKA_SASL_PASSWORD.name] not in str(refused.value)


def test_a_client_without_sasl_at_a_sasl_listener_is_told_to_check_the_security_protocol(
    authenticating_broker,
):
    with pytest.raises(KafkaError) as dropped:
        topic_partitions(client_config(authenticating_broker), "any", timeout_s=3)
    assert str(dropped.value) == (
        f"Kafka at {authenticating_broker} did not answer: it closed every connection (does its "
        f"listener want TLS or SASL? check {KAFKA_SECURITY_PROTOCOL.name})"
    )


def test_no_broker_at_the_address_is_named_as_a_refused_connection():
    nothing = f"127.0.0.1:{free_port()}"
    with pytest.raises(KafkaError) as refused:
        topic_partitions(client_config(nothing), "any", timeout_s=2)
    assert str(refused.value).startswith(f"Kafka at {nothing} did not answer: Connect to ")
    assert str(refused.value).endswith("failed: Connection refused")
