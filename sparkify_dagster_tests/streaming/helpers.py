"""Helpers of the streaming tests: topics of their own on the shared broker, reading them back."""

import uuid

from sparkify_dagster.streaming import streamify


def unique_topics(prefix: str = "t") -> dict[str, str]:
    """Streamify's topic names → fresh names on the shared broker (tests never share topics)."""
    run = uuid.uuid4().hex[:8]
    return {topic: f"{prefix}-{run}-{topic}" for topic in streamify.TOPICS}


def client_config(bootstrap_servers: str) -> dict[str, str]:
    return {"bootstrap.servers": bootstrap_servers}


def produce(bootstrap_servers: str, topic: str, values: list[bytes], **config) -> None:
    """Each value as a message of `topic` (keys cycle over three users); waits for delivery."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap_servers, "log_level": 0, **config})
    for i, value in enumerate(values):
        producer.produce(topic, key=str(i % 3).encode(), value=value)
    assert producer.flush(30) == 0, "messages left undelivered"
