"""A lake fed by Kafka: the generator's messages, landed and cleaned, give the very tables its log
files give; a message that cannot be used is quarantined with where it was in Kafka."""

from datetime import UTC, date, datetime
from pathlib import Path

from sparkify_dagster import tables
from sparkify_dagster.steps import run_step
from sparkify_dagster.steps.catalogue import SONG_CATALOGUE_STEP
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP
from sparkify_dagster.steps.star import SONGPLAYS_STEP, TIME_STEP, USERS_STEP
from sparkify_dagster.steps.stream_events import CLEAN_STREAM_EVENTS_STEP, CleanStreamSettings
from sparkify_dagster.streaming.ingest import ingest_raw
from sparkify_dagster.streaming.streamify import PAGE_VIEW_EVENTS
from sparkify_dagster_tests.helpers import RecordingLog, lake_snapshot
from sparkify_dagster_tests.streaming.helpers import client_config, unique_topics
from sparkify_generator import generate_lake, open_sink
from sparkify_generator.lake import make_world
from sparkify_generator.streamify import produce_world

WORLD = dict(start=date(2018, 11, 5), days=2, events_per_day=300, songs=30, seed=11)
DAYS = [date(2018, 11, 5), date(2018, 11, 6)]
# Tables both lakes write, compared row for row (log_events' own quarantines differ by nature).
SHARED = [
    tables.LOG_EVENTS,
    tables.LISTEN_EVENTS,
    tables.PAGE_VIEW_EVENTS,
    tables.AUTH_EVENTS,
    tables.TIME,
    tables.SONGPLAYS,
    tables.USERS,
]
NOON_MS = int(datetime(2018, 11, 6, 12, tzinfo=UTC).timestamp() * 1000)
POISON = {
    b'{"ts": 1541505600000, "sessionId": 7, "itemInSession": "x", "page": "Home"}': (
        "wrong type for itemInSession"
    ),
    b"not json at all": "malformed JSON",
    b'{"ts": 1541505600000, "sessionId": 7, "itemInSession": 1, "page": "NextSong"}': (
        "NextSong without song or artist"
    ),
}


def _run(spark, source: str, lake: Path, clean_request) -> None:
    requests = [
        SONG_CATALOGUE_STEP.request(source, str(lake)),
        clean_request,
        TIME_STEP.request(source, str(lake), DAYS),
        USERS_STEP.request(source, str(lake), DAYS),
        SONGPLAYS_STEP.request(source, str(lake), DAYS),
    ]
    for request in requests:
        report = run_step(spark, request, RecordingLog())
        failed = [c for c in report.checks if not c.passed and not c.warn_only]
        assert not failed, f"{request.step}: {failed}"


def _produce_poison(bootstrap_servers: str, topic: str) -> dict[bytes, tuple[int, int]]:
    """The poison messages, stamped inside the second day: each one's (partition, offset)."""
    from confluent_kafka import Producer

    placed = {}
    producer = Producer({"bootstrap.servers": bootstrap_servers, "log_level": 0})
    for value in POISON:
        producer.produce(
            topic,
            value=value,
            timestamp=NOON_MS,
            on_delivery=lambda _e, m: placed.update({m.value(): (m.partition(), m.offset())}),
        )
    assert producer.flush(30) == 0
    return placed


def test_streamed_messages_give_the_tables_of_the_same_events_log_files_and_poison_is_quarantined(
    spark, kafka_broker, tmp_path
):
    files = tmp_path / "files"
    generate_lake(open_sink(str(files)), **WORLD, background_writer=False)
    _run(spark, str(files), tmp_path / "file_lake", CLEAN_LOG_EVENTS_STEP.request(
        str(files), str(tmp_path / "file_lake"), DAYS
    ))  # fmt: skip

    topics = unique_topics()
    config = client_config(kafka_broker)
    sent = produce_world(make_world(**WORLD), config, topics=topics, partitions=2)
    placed = _produce_poison(kafka_broker, topics[PAGE_VIEW_EVENTS])
    stream_lake = tmp_path / "stream_lake"
    ingest_raw(spark, str(stream_lake), topics.values(), config, idle_s=0.3)
    # The stream lake's songs come from the same song files; its events from the raw zone only.
    source = f"kafka://{kafka_broker}"
    settings = CleanStreamSettings(page_view_topic=topics[PAGE_VIEW_EVENTS])
    clean = CLEAN_STREAM_EVENTS_STEP.request(source, str(stream_lake), DAYS, settings)
    _run(spark, str(files), stream_lake, clean)

    from_files, from_stream = lake_snapshot(tmp_path / "file_lake"), lake_snapshot(stream_lake)
    for table in SHARED:
        for partition in [f"date={d}" for d in DAYS] if table.daily else [""]:
            directory = str(Path(table.relative_path) / partition)
            rows = from_stream[directory][0]
            assert rows == from_files[directory][0], directory
            assert rows or table is tables.USERS, f"{directory} is empty: nothing was compared"

    quarantined = spark.read.parquet(str(stream_lake / tables.QUARANTINED_MESSAGES.relative_path))
    found = {
        (r.topic, r.partition, r.offset, r.value.encode(), r.reason, r.date)
        for r in quarantined.collect()
    }
    assert found == {
        (topics[PAGE_VIEW_EVENTS], *placed[value], value, reason, DAYS[1])
        for value, reason in POISON.items()
    }
    # Every page-view message is a clean event or a quarantined one, and the stream's extra
    # fields are kept for each signed-in event.
    events = sum(len(from_stream[f"clean/log_events/date={d}"][0]) for d in DAYS)
    assert events == sent.messages_by_topic[topics[PAGE_VIEW_EVENTS]]
    located = [row for d in DAYS for row in from_stream[f"clean/event_locations/date={d}"][0]]
    signed_in = [
        row
        for d in DAYS
        for row in from_stream[f"clean/log_events/date={d}"][0]
        if row["user_id"] is not None
    ]
    assert len(located) == len(signed_in) > 0
    assert all(row["zip"] and row["latitude"] and row["longitude"] for row in located)
