"""Explicit Spark schemas: what the raw lake holds and what every output table holds.

Raw schemas are read with these, never inferred: inference costs a second pass over the data
and silently changes types when one file differs.
"""

from pyspark.sql import types as T

CORRUPT_RECORD = "_corrupt_record"

# One line of log_data/YYYY/MM/YYYY-MM-DD-events.json, field names as the app writes them.
RAW_LOG_EVENT = T.StructType(
    [
        T.StructField("artist", T.StringType()),
        T.StructField("auth", T.StringType()),
        T.StructField("firstName", T.StringType()),
        T.StructField("gender", T.StringType()),
        T.StructField("itemInSession", T.LongType()),
        T.StructField("lastName", T.StringType()),
        T.StructField("length", T.DoubleType()),
        T.StructField("level", T.StringType()),
        T.StructField("location", T.StringType()),
        T.StructField("method", T.StringType()),
        T.StructField("page", T.StringType()),
        T.StructField("registration", T.DoubleType()),
        T.StructField("sessionId", T.LongType()),
        T.StructField("song", T.StringType()),
        T.StructField("status", T.LongType()),
        T.StructField("ts", T.LongType()),
        T.StructField("userAgent", T.StringType()),
        # A string in the app's logs: "" for logged-out events.
        T.StructField("userId", T.StringType()),
    ]
)

# One Million Song Dataset record (song_data/A/B/C/TR*.json).
RAW_SONG = T.StructType(
    [
        T.StructField("num_songs", T.LongType()),
        T.StructField("artist_id", T.StringType()),
        T.StructField("artist_latitude", T.DoubleType()),
        T.StructField("artist_longitude", T.DoubleType()),
        T.StructField("artist_location", T.StringType()),
        T.StructField("artist_name", T.StringType()),
        T.StructField("song_id", T.StringType()),
        T.StructField("title", T.StringType()),
        T.StructField("duration", T.DoubleType()),
        T.StructField("year", T.LongType()),
    ]
)


def with_corrupt_record(schema: T.StructType) -> T.StructType:
    """The schema plus the column Spark fills with the raw text of records that don't fit it."""
    return T.StructType([*schema.fields, T.StructField(CORRUPT_RECORD, T.StringType())])


def as_all_strings(schema: T.StructType) -> T.StructType:
    """A lenient twin of a schema: any JSON value parses as text, so only broken JSON fails."""
    return T.StructType([T.StructField(f.name, T.StringType()) for f in schema.fields])


# Raw text handed to the parsers: one row per log line / per song JSON object.
# `compressed`: the file starts with gzip's magic bytes, so its "lines" are compressed data.
LOG_LINES = T.StructType(
    [
        T.StructField("source_file", T.StringType()),
        T.StructField("line", T.StringType()),
        T.StructField("compressed", T.BooleanType()),
    ]
)
SONG_RECORDS = T.StructType(
    [T.StructField("source_file", T.StringType()), T.StructField("record", T.StringType())]
)

# ---- Output tables ---------------------------------------------------------------------------

LOG_EVENTS = T.StructType(
    [
        T.StructField("ts", T.TimestampType()),
        T.StructField("user_id", T.IntegerType()),
        T.StructField("first_name", T.StringType()),
        T.StructField("last_name", T.StringType()),
        T.StructField("gender", T.StringType()),
        T.StructField("level", T.StringType()),
        T.StructField("registration", T.TimestampType()),
        T.StructField("session_id", T.LongType()),
        T.StructField("item_in_session", T.IntegerType()),
        T.StructField("auth", T.StringType()),
        T.StructField("page", T.StringType()),
        T.StructField("method", T.StringType()),
        T.StructField("status", T.IntegerType()),
        T.StructField("artist", T.StringType()),
        T.StructField("song", T.StringType()),
        T.StructField("length", T.DoubleType()),
        T.StructField("location", T.StringType()),
        T.StructField("city", T.StringType()),
        T.StructField("state", T.StringType()),
        T.StructField("user_agent", T.StringType()),
        T.StructField("year", T.IntegerType()),
        T.StructField("month", T.IntegerType()),
        T.StructField("day", T.IntegerType()),
        T.StructField("hour", T.IntegerType()),
        T.StructField("day_of_week", T.IntegerType()),
        T.StructField("is_weekend", T.BooleanType()),
    ]
)

LOG_QUARANTINE = T.StructType(
    [
        T.StructField("source_file", T.StringType()),
        T.StructField("line", T.StringType()),
        T.StructField("reason", T.StringType()),
        T.StructField("raw_bytes", T.BinaryType()),
    ]
)

SONG_QUARANTINE = T.StructType(
    [
        T.StructField("source_file", T.StringType()),
        T.StructField("record", T.StringType()),
        T.StructField("reason", T.StringType()),
    ]
)

SONGS = T.StructType(
    [
        T.StructField("song_id", T.StringType()),
        T.StructField("title", T.StringType()),
        T.StructField("artist_id", T.StringType()),
        T.StructField("year", T.IntegerType()),
        T.StructField("duration", T.DoubleType()),
    ]
)

ARTISTS = T.StructType(
    [
        T.StructField("artist_id", T.StringType()),
        T.StructField("name", T.StringType()),
        T.StructField("location", T.StringType()),
        T.StructField("latitude", T.DoubleType()),
        T.StructField("longitude", T.DoubleType()),
    ]
)

# What songplays are matched on (state/song_match_keys): a song under each spelling of its artist.
SONG_MATCH_KEYS = T.StructType(
    [
        T.StructField("title", T.StringType()),
        T.StructField("artist_name", T.StringType()),
        T.StructField("duration", T.DoubleType()),
        T.StructField("song_id", T.StringType()),
        T.StructField("artist_id", T.StringType()),
    ]
)

TIME = T.StructType(
    [
        T.StructField("start_time", T.TimestampType()),
        T.StructField("hour", T.IntegerType()),
        T.StructField("day", T.IntegerType()),
        T.StructField("week", T.IntegerType()),
        T.StructField("month", T.IntegerType()),
        T.StructField("year", T.IntegerType()),
        T.StructField("weekday", T.IntegerType()),
    ]
)

SONGPLAYS = T.StructType(
    [
        T.StructField("songplay_id", T.StringType()),
        T.StructField("start_time", T.TimestampType()),
        T.StructField("user_id", T.IntegerType()),
        T.StructField("level", T.StringType()),
        T.StructField("song_id", T.StringType()),
        T.StructField("artist_id", T.StringType()),
        T.StructField("session_id", T.LongType()),
        T.StructField("location", T.StringType()),
        T.StructField("user_agent", T.StringType()),
    ]
)

USERS = T.StructType(
    [
        T.StructField("user_id", T.IntegerType()),
        T.StructField("first_name", T.StringType()),
        T.StructField("last_name", T.StringType()),
        T.StructField("gender", T.StringType()),
        T.StructField("level", T.StringType()),
    ]
)

# The users table's incremental state: the star columns plus the event that set them, so a merge
# can tell which of two rows is newer whatever order days are processed in.
USER_STATE = T.StructType(
    [
        *USERS.fields,
        T.StructField("last_event_at", T.TimestampType()),
        T.StructField("last_session_id", T.LongType()),
        T.StructField("last_item_in_session", T.IntegerType()),
    ]
)
