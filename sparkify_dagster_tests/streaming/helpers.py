"""Helpers of the streaming tests: topics of their own on the shared broker, a generated world
streamed to them, reading them back."""

import socket
import uuid
from pathlib import Path

from sparkify_dagster.local_server import LOCALHOST
from sparkify_dagster.settings import (
    KAFKA_SASL_MECHANISM,
    KAFKA_SASL_PASSWORD,
    KAFKA_SASL_USERNAME,
    KAFKA_SECURITY_PROTOCOL,
    Settings,
)
from sparkify_dagster.streaming import streamify
from sparkify_dagster.streaming.broker import LocalBroker
from sparkify_generator import generate_lake, open_sink
from sparkify_generator.lake import make_world
from sparkify_generator.streamify import ProduceSummary, produce_world


def unique_topics(prefix: str = "t") -> dict[str, str]:
    """Streamify's topic names → fresh names on the shared broker (tests never share topics)."""
    run = uuid.uuid4().hex[:8]
    return {topic: f"{prefix}-{run}-{topic}" for topic in streamify.TOPICS}


def client_config(bootstrap_servers: str) -> dict[str, str]:
    return {"bootstrap.servers": bootstrap_servers}


class AuthenticatingBroker(LocalBroker):
    """Tansu wanting SASL (SCRAM) from every client, and knowing no user: what a wrong user or
    password meets. A successful login cannot be had from this build: a user is created through
    the broker, which then wants a login itself (memory storage), or is not kept (S3, checked)."""

    def command(self) -> list[str]:
        return [*super().command(), "--authentication"]

    def answers(self, timeout_s: float) -> bool:
        # A metadata request needs a login: a listening port is all it can show. (Connecting,
        # not local_server.port_is_free's bind: a bind while Tansu starts could take its port.)
        try:
            socket.create_connection((LOCALHOST, self.port), timeout=timeout_s).close()
        except OSError:
            return False
        return True


# A user the broker does not know, as our settings (SPARKIFY_KAFKA_*).
UNKNOWN_USER = {
    KAFKA_SECURITY_PROTOCOL.name: "SASL_PLAINTEXT",
    KAFKA_SASL_MECHANISM.name: "SCRAM-SHA-512",
    KAFKA_SASL_USERNAME.name: "alice",
    KAFKA_SASL_PASSWORD.name: "not-her-password",
}


def unknown_user_config(bootstrap_servers: str) -> dict[str, str]:
    """librdkafka's settings for UNKNOWN_USER, made by Settings as every client's are."""
    return Settings.from_env(UNKNOWN_USER).kafka_client_config(bootstrap_servers)


def streamed_world(
    bootstrap_servers: str, work: Path, **world
) -> tuple[Settings, dict[str, str], ProduceSummary]:
    """The generator's `world` (make_world's arguments) as Kafka messages in topics of their
    own (two partitions each), its songs in work/songs: the settings of a lake (work/lake) fed by
    those topics, the topics (Streamify's names → these), and what was sent."""
    songs = work / "songs"
    generate_lake(open_sink(str(songs)), **world, background_writer=False)
    topics = unique_topics()
    sent = produce_world(make_world(**world), client_config(bootstrap_servers), topics, 2)
    settings = Settings(
        source=f"kafka://{bootstrap_servers}",
        song_source=str(songs),
        lake=str(work / "lake"),
        kafka_topics=tuple(topics[t] for t in streamify.TOPICS),
    )
    return settings, topics, sent


def produce(bootstrap_servers: str, topic: str, values: list[bytes], **config) -> None:
    """Each value as a message of `topic` (keys cycle over three users); waits for delivery."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap_servers, "log_level": 0, **config})
    for i, value in enumerate(values):
        producer.produce(topic, key=str(i % 3).encode(), value=value)
    assert producer.flush(30) == 0, "messages left undelivered"
