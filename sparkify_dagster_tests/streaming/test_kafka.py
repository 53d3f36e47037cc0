"""Reading a topic's end: right on a broker whose high watermark is wrong (Tansu's batches)."""

from sparkify_dagster.streaming.kafka import PartitionRange, end_offsets, ensure_topics
from sparkify_dagster_tests.streaming.helpers import client_config, produce, unique_topics


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
