"""Explicit Spark schemas of what the raw lake holds (the output tables' columns are declared
with the tables, in tables.py).

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

# One Streamify message's JSON (page_view_events carries every field a page can have;
# streaming/streamify.py states the format). Numbers as Streamify sends them: userId a number.
STREAMIFY_EVENT = T.StructType(
    [
        T.StructField("ts", T.LongType()),
        T.StructField("sessionId", T.LongType()),
        T.StructField("page", T.StringType()),
        T.StructField("auth", T.StringType()),
        T.StructField("method", T.StringType()),
        T.StructField("status", T.LongType()),
        T.StructField("level", T.StringType()),
        T.StructField("itemInSession", T.LongType()),
        T.StructField("city", T.StringType()),
        T.StructField("zip", T.StringType()),
        T.StructField("state", T.StringType()),
        T.StructField("userAgent", T.StringType()),
        T.StructField("lon", T.DoubleType()),
        T.StructField("lat", T.DoubleType()),
        T.StructField("userId", T.LongType()),
        T.StructField("lastName", T.StringType()),
        T.StructField("firstName", T.StringType()),
        T.StructField("gender", T.StringType()),
        T.StructField("registration", T.LongType()),
        T.StructField("artist", T.StringType()),
        T.StructField("song", T.StringType()),
        T.StructField("duration", T.DoubleType()),
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
