"""Streamify messages → the log lines' clean columns or a quarantine, on hand-made messages."""

import json
from datetime import UTC, date, datetime

from pyspark.sql import types as T

from sparkify_dagster.tables import PARTITION_COLUMN, raw_table
from sparkify_dagster.transforms import stream_events as S

NOON = datetime(2018, 11, 6, 12, tzinfo=UTC)
NOON_MS = int(NOON.timestamp() * 1000)
KAFKA_DAY = date(2018, 11, 7)  # a day after the events: where a message without a time goes


def _view(**overrides) -> bytes:
    fields = {
        "ts": NOON_MS,
        "sessionId": 12,
        "page": "NextSong",
        "auth": "Logged In",
        "method": "PUT",
        "status": 200,
        "level": "paid",
        "itemInSession": 3,
        "city": "Tampa-St. Petersburg-Clearwater",
        "zip": "03301",
        "state": "FL",
        "userAgent": '"Mozilla/5.0"',
        "lon": -82.5,
        "lat": 27.9,
        "userId": 42,
        "lastName": "Ruiz",
        "firstName": "Beyoncé",
        "gender": "F",
        "registration": 1540000000000,
        "artist": "Muse",
        "song": "Uprising",
        "duration": 305.2,
        **overrides,
    }
    return json.dumps({k: v for k, v in fields.items() if v is not None}).encode()


def _classify(spark, values: list[bytes | None], partitions: list[int] | None = None) -> list:
    """The messages at offsets 0, 1, … of partition 0 (or of `partitions`, one per message)."""
    schema = T.StructType([*raw_table("t").columns.fields, T.StructField("date", T.DateType())])
    partitions = partitions or [0] * len(values)
    rows = [
        ("t", partition, offset, NOON, b"k", value, KAFKA_DAY)
        for offset, (partition, value) in enumerate(zip(partitions, values, strict=True))
    ]
    classified = S.classify_messages(spark.createDataFrame(rows, schema))
    # Quarantined rows by offset; clean ones (no offset kept) by time, signed-in users first.
    return sorted(
        classified.collect(), key=lambda r: (r.offset is None, r.offset, r.ts, r.user_id is None)
    )


def test_a_message_becomes_the_log_line_it_stands_for_with_its_place_beside(spark):
    signed_out = _view(userId=None, city=None, state=None, zip=None, lat=None, lon=None,
                       page="Home", artist=None, song=None, duration=None)  # fmt: skip
    played, home = _classify(spark, [_view(), signed_out])
    assert played.reason is None and played[PARTITION_COLUMN] == NOON.date()
    assert (played.user_id, played.location, played.city, played.state) == (
        42, "Tampa-St. Petersburg-Clearwater, FL", "Tampa-St. Petersburg-Clearwater", "FL"
    )  # fmt: skip
    assert (played.length, played.first_name, played.user_agent) == (
        305.2,
        "Beyoncé",
        "Mozilla/5.0",
    )
    assert (played.zip, played.latitude, played.longitude) == ("03301", 27.9, -82.5)
    assert played.registration == datetime(2018, 10, 20, 1, 46, 40)
    assert home.reason is None and home.user_id is None and home.location is None
    assert (home.zip, home.latitude, home.longitude) == (None, None, None)


def test_each_unusable_message_is_quarantined_with_where_it_was_and_why(spark):
    values = [
        None,
        b"\xff\xfe not text",
        b"   ",
        b"{not json",
        _view(itemInSession="third"),
        _view(ts=None),
        _view(page=""),
        _view(userId=2**40),
        _view(song=None),
        _view(ts=NOON_MS - 3 * 86_400_000),  # read by no run of its event's day
    ]
    rows = _classify(spark, values)
    assert [(r.offset, r.reason) for r in rows] == list(enumerate([
        "message without a value",
        "invalid UTF-8",
        "blank message",
        "malformed JSON",
        "wrong type for itemInSession",
        "missing ts",
        "missing page",
        "userId is not an integer",
        "NextSong without song or artist",
        S.FAR_FROM_KAFKA_DAY,
    ]))  # fmt: skip
    assert all(r.topic == "t" and r.partition == 0 and r.user_id is None for r in rows)
    assert bytes(rows[1].raw_bytes) == b"\xff\xfe not text" and "\ufffd" in rows[1].value
    # On the event's day when its time could be read (the parser keeps the fields it could
    # type) and a run of that day reads its Kafka day, else on its Kafka timestamp's day.
    kafka, event = KAFKA_DAY, NOON.date()
    days = [kafka, kafka, kafka, kafka, event, kafka, event, event, event, kafka]
    assert [r[PARTITION_COLUMN] for r in rows] == days


def test_a_message_sent_twice_is_one_event_and_its_later_copy_is_quarantined(spark):
    retried, other = _view(), _view(itemInSession=4)
    rows = _classify(spark, [retried, other, retried, retried], partitions=[1, 0, 0, 1])
    reasons = {(r.partition, r.offset): r.reason for r in rows if r.reason}
    # The first copy by partition, then offset (partition 0, offset 2) is the event.
    assert reasons == {(1, 0): S.REPEATED_MESSAGE, (1, 3): S.REPEATED_MESSAGE}
    assert sorted(r.item_in_session for r in rows if r.reason is None) == [3, 4]


def test_a_day_is_read_from_the_raw_zone_with_its_neighbours():
    assert S.kafka_days([date(2018, 11, 6)]) == [date(2018, 11, d) for d in (5, 6, 7)]
