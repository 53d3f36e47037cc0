"""Streamify's Kafka messages (the raw zone) → the same clean rows log lines give, or a quarantine.

Each message's JSON is parsed once and recast as the log line it stands for (`location` joined
from city and state as streamify.join_location does, `duration` as `length`, the numeric
`userId` as the log's text), then goes through the log lines' own column expressions
(events.clean_columns): the clean tables cannot drift apart by source. What log lines lack (zip,
latitude, longitude) is kept beside, for event_locations. Every message ends up in exactly one of
the clean events (reason null) or the quarantine (with its reason); the output has the columns
events.line_counts reads, so messages are counted per day the same way lines are.
"""

from collections.abc import Sequence
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from sparkify_dagster import tables
from sparkify_dagster.schemas import CORRUPT_RECORD, STREAMIFY_EVENT
from sparkify_dagster.streaming.streamify import LOCATION_SEPARATOR
from sparkify_dagster.tables import PARTITION_COLUMN
from sparkify_dagster.transforms.events import MAX_TS_MS, clean_columns, require_utc_session
from sparkify_dagster.transforms.raw_records import first_reason, parse_failure, parse_json_once
from sparkify_dagster.transforms.text import blank_to_null

_TEXT = "text"  # the message's value as a string
_MESSAGE = "message"  # its typed JSON
_KAFKA_DAY = "kafka_date"
_LOG_EVENT = "log_event"  # the message recast as a log line, when it is clean
_FIRST_COPY = "first_copy"  # (partition, offset) of the first message with the same bytes


def kafka_days(days: Sequence[date]) -> list[date]:
    """The raw zone's days (Kafka timestamps) that can hold the events of `days`: each day and
    its neighbours, so a message stamped on either side of midnight (a producer's clock, or the
    broker's append time for a late message) still reaches its event's day."""
    return sorted({d + timedelta(days=k) for d in days for k in (-1, 0, 1)})


# A producer that retries a send it thinks failed (at-least-once delivery) writes the same bytes
# again at a later offset: one event, kept once; the later copies are quarantined.
REPEATED_MESSAGE = "repeats an earlier message byte for byte (a producer's retry)"

# A message is read only by the runs of its Kafka day and that day's neighbours (kafka_days): one
# whose event is further away would reach no run of its event's day, so it is quarantined.
FAR_FROM_KAFKA_DAY = "ts more than a day from its Kafka timestamp"


def _event_day(ts: Column) -> Column:
    """The event's UTC day, when its time is in range."""
    return F.when((ts >= 0) & (ts <= MAX_TS_MS), F.to_date(F.timestamp_millis(ts)))


def _far_from_kafka_day(ts: Column) -> Column:
    return F.abs(F.datediff(_event_day(ts), F.col(_KAFKA_DAY))) > 1


def _reason(message: Column) -> Column:
    ts = message["ts"]
    return first_reason(
        (F.col("value").isNull(), "message without a value"),
        (~F.is_valid_utf8(_TEXT), "invalid UTF-8"),
        (F.trim(_TEXT) == "", "blank message"),
        (message[CORRUPT_RECORD].isNotNull(), parse_failure(_TEXT, _MESSAGE, STREAMIFY_EVENT)),
        (ts.isNull(), "missing ts"),
        (message["sessionId"].isNull(), "missing sessionId"),
        (message["itemInSession"].isNull(), "missing itemInSession"),
        (blank_to_null(message["page"]).isNull(), "missing page"),
        (
            message["userId"].isNotNull() & message["userId"].try_cast("int").isNull(),
            "userId is not an integer",
        ),
        ((ts < 0) | (ts > MAX_TS_MS), "ts out of range"),
        (_far_from_kafka_day(ts), FAR_FROM_KAFKA_DAY),
        (
            (message["page"] == "NextSong")
            & (blank_to_null(message["song"]).isNull() | blank_to_null(message["artist"]).isNull()),
            "NextSong without song or artist",
        ),
        (F.struct("partition", "offset") != F.col(_FIRST_COPY), REPEATED_MESSAGE),
    )


def _as_log_event(message: Column) -> Column:
    """The message as the log line it stands for (schemas.RAW_LOG_EVENT's fields)."""
    city, state = blank_to_null(message["city"]), blank_to_null(message["state"])
    location = F.when(
        state.isNotNull(), F.concat(F.coalesce(city, F.lit("")), F.lit(LOCATION_SEPARATOR), state)
    ).otherwise(city)
    return F.struct(
        message["artist"].alias("artist"),
        message["auth"].alias("auth"),
        message["firstName"].alias("firstName"),
        message["gender"].alias("gender"),
        message["itemInSession"].alias("itemInSession"),
        message["lastName"].alias("lastName"),
        message["duration"].alias("length"),
        message["level"].alias("level"),
        location.alias("location"),
        message["method"].alias("method"),
        message["page"].alias("page"),
        message["registration"].alias("registration"),
        message["sessionId"].alias("sessionId"),
        message["song"].alias("song"),
        message["status"].alias("status"),
        message["ts"].alias("ts"),
        message["userAgent"].alias("userAgent"),
        message["userId"].cast("string").alias("userId"),
    )


def _parsed(raw: DataFrame) -> DataFrame:
    """Raw-zone rows with the value as text and its JSON parsed once (typed)."""
    return raw.select(
        "topic",
        "partition",
        "offset",
        "timestamp",
        "value",
        F.col(PARTITION_COLUMN).alias(_KAFKA_DAY),
        F.col("value").cast("string").alias(_TEXT),
    ).select("*", parse_json_once(_TEXT, STREAMIFY_EVENT, _MESSAGE))


def _message_day(message: Column) -> Column:
    """The day a message is cleaned or quarantined on: its event's UTC day where a run of that
    day reads it (kafka_days), else its Kafka day."""
    ts = message["ts"]
    return F.coalesce(F.when(~_far_from_kafka_day(ts), _event_day(ts)), F.col(_KAFKA_DAY))


def message_days(raw: DataFrame) -> DataFrame:
    """The days (`date`) raw-zone messages belong to, as classify_messages assigns them: a late
    message's day is its event's, which may be before its Kafka day."""
    return _parsed(raw).select(_message_day(F.col(_MESSAGE)).alias(PARTITION_COLUMN)).distinct()


def classify_messages(raw: DataFrame) -> DataFrame:
    """Raw-zone rows (topic, partition, offset, timestamp, key, value, date) → one flat row per
    message: a clean event (log_events' columns and zip/latitude/longitude, null `reason`) or a
    quarantine entry (topic, partition, offset, timestamp, value, reason, raw_bytes). `date` is
    the event's UTC day, or the Kafka timestamp's day when the message holds no usable time or
    one more than a day from its Kafka timestamp (FAR_FROM_KAFKA_DAY: no run would read it).
    Of messages with the same bytes, the first (by partition and offset) counts; the others are
    quarantined (REPEATED_MESSAGE), so a producer's retry is neither lost nor a second event."""
    require_utc_session(raw)
    good = F.col("reason").isNull()
    is_bad = ~good
    message = F.col(_MESSAGE)
    same_bytes = Window.partitionBy("topic", "value")
    return (
        _parsed(raw)
        .withColumn(_FIRST_COPY, F.min(F.struct("partition", "offset")).over(same_bytes))
        .withColumn("reason", _reason(message))
        # A column of its own: clean_columns reads the line's fields many times, and each read
        # of an expression (not a column) would repeat the whole struct in the plan (with Spark
        # Connect, ~100,000 expression nodes sent and analysed per action).
        .withColumn(_LOG_EVENT, F.when(good, _as_log_event(message)))
        .select(
            *clean_columns(F.col(_LOG_EVENT)),
            F.when(good, blank_to_null(message["zip"])).alias("zip"),
            F.when(good, message["lat"]).alias("latitude"),
            F.when(good, message["lon"]).alias("longitude"),
            *[F.when(is_bad, F.col(c)).alias(c) for c in ("topic", "partition", "offset")],
            F.when(is_bad, F.col("timestamp")).alias("timestamp"),
            F.when(is_bad, F.make_valid_utf8(_TEXT)).alias("value"),
            "reason",
            F.when(is_bad & ~F.is_valid_utf8(_TEXT), F.col("value")).alias("raw_bytes"),
            _message_day(message).alias(PARTITION_COLUMN),
        )
    )


def event_locations(classified: DataFrame) -> DataFrame:
    """The clean messages that say where their user is: the event's key and zip/lat/lon."""
    has_place = F.col("zip").isNotNull() | F.col("latitude").isNotNull()
    has_place = has_place | F.col("longitude").isNotNull()
    return classified.filter(F.col("reason").isNull() & has_place).select(
        *tables.EVENT_LOCATIONS.column_names, PARTITION_COLUMN
    )


def quarantined_messages(classified: DataFrame) -> DataFrame:
    """The messages classify_messages() rejected, each with its reason and `date`."""
    return classified.filter(F.col("reason").isNotNull()).select(
        *tables.QUARANTINED_MESSAGES.column_names, PARTITION_COLUMN
    )
