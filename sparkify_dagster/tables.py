"""Every table the platform writes, declared once: where it lives in the lake, how its rows are
ordered, what it holds (each column's type and description) and what the asset says of it.

One registry, read by the steps (what to write: ParquetLake checks each write's columns against
it), the assets (their specs and the columns the Dagster UI shows), the CLI (what to summarise),
the query command (which views to create) and README's column reference
(scripts/column_reference.py).
"""

from dataclasses import dataclass, field

from pyspark.sql import types as T

from sparkify_dagster.streaming import streamify

# Daily tables are stored as <zone>/<directory>/date=YYYY-MM-DD/part-*.parquet; their
# DataFrames carry the day in this column, which the files themselves do not hold.
PARTITION_COLUMN = "date"
DESCRIPTION = "description"


def _column(name: str, kind: T.DataType, description: str) -> T.StructField:
    return T.StructField(name, kind, metadata={DESCRIPTION: description})


def description(column: T.StructField) -> str | None:
    """A column's description, as declared here."""
    return column.metadata.get(DESCRIPTION)


def _project(schema: T.StructType, *names: str) -> T.StructType:
    """Some of a schema's columns, in the order given, with their types and descriptions."""
    return T.StructType([schema[name] for name in names])


# ---- Columns (as stored in the files, in this order) -------------------------------------------

_LOG_EVENTS = T.StructType(
    [
        _column("ts", T.TimestampType(), "When the event happened (UTC), from the log's epoch ms."),
        _column("user_id", T.IntegerType(), "The user's id; null for logged-out events."),
        _column("first_name", T.StringType(), "First name, double-encoded UTF-8 repaired."),
        _column("last_name", T.StringType(), "Last name, double-encoded UTF-8 repaired."),
        _column("gender", T.StringType(), "`F` or `M`, as the user gave it."),
        _column("level", T.StringType(), "Subscription level at the event: `free` or `paid`."),
        _column("registration", T.TimestampType(), "When the user registered (UTC)."),
        _column("session_id", T.LongType(), "The app session the event belongs to."),
        _column(
            "item_in_session", T.IntegerType(), "The event's position in its session (0, 1, …)."
        ),
        _column("auth", T.StringType(), "`Logged In`, `Logged Out`, `Guest` or `Cancelled`."),
        _column(
            "page", T.StringType(), "The page served: `NextSong` is a play; `Home`, `Login`, …"
        ),
        _column("method", T.StringType(), "HTTP method of the request: `GET` or `PUT`."),
        _column("status", T.IntegerType(), "HTTP status of the response (200, 307, 404)."),
        _column("artist", T.StringType(), "Artist of the song played (NextSong), text repaired."),
        _column("song", T.StringType(), "Title of the song played (NextSong), text repaired."),
        _column("length", T.DoubleType(), "Length of the song played, in seconds."),
        _column("location", T.StringType(), "Where the user is, `City, ST` as logged."),
        _column("city", T.StringType(), "`location` before its last comma."),
        _column(
            "state", T.StringType(), "`location` after its last comma (e.g. `CA`, `NY-NJ-PA`)."
        ),
        _column(
            "user_agent", T.StringType(), "The browser's user agent, without the log's quotes."
        ),
        _column("year", T.IntegerType(), "Year of `ts` (UTC)."),
        _column("month", T.IntegerType(), "Month of `ts` (1-12, UTC)."),
        _column("day", T.IntegerType(), "Day of the month of `ts` (UTC)."),
        _column("hour", T.IntegerType(), "Hour of `ts` (0-23, UTC)."),
        _column("day_of_week", T.IntegerType(), "ISO weekday of `ts`: Monday 1 … Sunday 7."),
        _column("is_weekend", T.BooleanType(), "`ts` falls on a Saturday or Sunday (UTC)."),
    ]
)

# The topic tables: columns of log_events (Streamify's listen, page view and auth topics).
_LISTEN_EVENTS = _project(
    _LOG_EVENTS,
    "ts",
    "user_id",
    "level",
    "session_id",
    "item_in_session",
    "song",
    "artist",
    "length",
    "first_name",
    "last_name",
    "gender",
    "location",
    "city",
    "state",
    "user_agent",
)
_PAGE_VIEW_EVENTS = _project(
    _LOG_EVENTS,
    "ts",
    "user_id",
    "session_id",
    "item_in_session",
    "page",
    "method",
    "status",
    "auth",
    "level",
    "song",
    "artist",
    "length",
    "location",
    "city",
    "state",
    "user_agent",
)
_AUTH_EVENTS = _project(
    _LOG_EVENTS,
    "ts",
    "user_id",
    "session_id",
    "item_in_session",
    "page",
    "auth",
    "method",
    "status",
    "level",
    "location",
    "city",
    "state",
    "user_agent",
)

_LOG_QUARANTINE = T.StructType(
    [
        _column("source_file", T.StringType(), "The log file the line came from."),
        _column(
            "line", T.StringType(), "The line as read (bytes that are not UTF-8 shown as U+FFFD)."
        ),
        _column("reason", T.StringType(), "Why it could not be used, e.g. `missing ts`."),
        _column("raw_bytes", T.BinaryType(), "The line's exact bytes when it is not valid UTF-8."),
    ]
)

_SONG_QUARANTINE = T.StructType(
    [
        _column("source_file", T.StringType(), "The song file the record came from."),
        _column(
            "record",
            T.StringType(),
            "The record's text (the file's, when it holds no readable records).",
        ),
        _column("reason", T.StringType(), "Why it could not be used, e.g. `missing song_id`."),
    ]
)

_SONGS = T.StructType(
    [
        _column("song_id", T.StringType(), "Million Song Dataset song id (primary key)."),
        _column("title", T.StringType(), "Song title."),
        _column("artist_id", T.StringType(), "The song's artist (`artists.artist_id`)."),
        _column("year", T.IntegerType(), "Release year; null when unknown (0 in the source)."),
        _column("duration", T.DoubleType(), "Length in seconds."),
    ]
)

_ARTISTS = T.StructType(
    [
        _column("artist_id", T.StringType(), "Million Song Dataset artist id (primary key)."),
        _column("name", T.StringType(), "Artist name."),
        _column("location", T.StringType(), "Where the artist is from, as given; null if blank."),
        _column("latitude", T.DoubleType(), "Latitude of `location`; null if unknown."),
        _column("longitude", T.DoubleType(), "Longitude of `location`; null if unknown."),
    ]
)

# What songplays are matched on (state/song_match_keys): a song under each spelling of its artist.
_SONG_MATCH_KEYS = T.StructType(
    [
        _column("title", T.StringType(), "Song title (`songs.title`)."),
        _column(
            "artist_name",
            T.StringType(),
            "One spelling of the song's artist seen in usable song records.",
        ),
        _column("duration", T.DoubleType(), "Length in seconds (`songs.duration`)."),
        _column("song_id", T.StringType(), "The song (`songs.song_id`)."),
        _column("artist_id", T.StringType(), "The song's artist (`artists.artist_id`)."),
    ]
)

_TIME = T.StructType(
    [
        _column("start_time", T.TimestampType(), "A play's timestamp (UTC; primary key)."),
        _column("hour", T.IntegerType(), "Hour (0-23)."),
        _column("day", T.IntegerType(), "Day of the month."),
        _column("week", T.IntegerType(), "ISO week of the year."),
        _column("month", T.IntegerType(), "Month (1-12)."),
        _column("year", T.IntegerType(), "Year."),
        _column("weekday", T.IntegerType(), "ISO weekday: Monday 1 … Sunday 7."),
    ]
)

_SONGPLAYS = T.StructType(
    [
        _column(
            "songplay_id",
            T.StringType(),
            "Hash of (ts, user, session, item): the same on every rerun (primary key).",
        ),
        _column("start_time", T.TimestampType(), "When the play started (UTC; `time.start_time`)."),
        _column("user_id", T.IntegerType(), "Who played it (`users.user_id`)."),
        _column("level", T.StringType(), "The user's level at the play: `free` or `paid`."),
        _column(
            "song_id",
            T.StringType(),
            "The matched song (title, artist, duration within 0.5 s); null when none matches.",
        ),
        _column("artist_id", T.StringType(), "The matched song's artist; null when none matches."),
        _column("session_id", T.LongType(), "The app session of the play."),
        _column("location", T.StringType(), "Where the user was, `City, ST`."),
        _column("user_agent", T.StringType(), "The user's browser."),
    ]
)

_USERS = T.StructType(
    [
        _column("user_id", T.IntegerType(), "The user's id (primary key)."),
        _column("first_name", T.StringType(), "First name."),
        _column("last_name", T.StringType(), "Last name."),
        _column("gender", T.StringType(), "`F` or `M`."),
        _column("level", T.StringType(), "Level at the user's latest event: `free` or `paid`."),
    ]
)

# The users table's incremental state: the star columns plus the event that set them, so a merge
# can tell which of two rows is newer whatever order days are processed in.
_USER_STATE = T.StructType(
    [
        *_USERS.fields,
        _column("last_event_at", T.TimestampType(), "`ts` of the user's latest event."),
        _column("last_session_id", T.LongType(), "`session_id` of that event."),
        _column("last_item_in_session", T.IntegerType(), "`item_in_session` of that event."),
    ]
)


# ---- Tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str  # the asset's name too, for the tables that are assets
    zone: str  # clean | star | quarantine | state
    directory: str
    daily: bool
    # The table's key: rows are written in this order (ties by their other values), so
    # identical inputs give identical tables.
    sort_by: tuple[str, ...]
    # What the files hold (without the daily tables' PARTITION_COLUMN), in this order.
    columns: T.StructType = field(compare=False, repr=False)
    description: str = field(compare=False)  # the asset's description in Dagster
    # The daily table each day of this one is computed from: a day here without that day
    # there means the lake's zones disagree (a lost or deleted partition).
    derived_from: "Table | None" = None

    @property
    def relative_path(self) -> str:
        return f"{self.zone}/{self.directory}"

    @property
    def column_names(self) -> list[str]:
        return self.columns.fieldNames()


_EVENT_ORDER = ("ts", "session_id", "item_in_session")

LOG_EVENTS = Table(
    "log_events",
    "clean",
    "log_events",
    daily=True,
    sort_by=_EVENT_ORDER,
    columns=_LOG_EVENTS,
    description="Every app event of the day: typed, snake_case, text repaired, UTC.",
)
LISTEN_EVENTS = Table(
    "listen_events",
    "clean",
    "listen_events",
    daily=True,
    sort_by=_EVENT_ORDER,
    columns=_LISTEN_EVENTS,
    description="NextSong plays.",
    derived_from=LOG_EVENTS,
)
PAGE_VIEW_EVENTS = Table(
    "page_view_events",
    "clean",
    "page_view_events",
    daily=True,
    sort_by=_EVENT_ORDER,
    columns=_PAGE_VIEW_EVENTS,
    description="Every page served.",
    derived_from=LOG_EVENTS,
)
AUTH_EVENTS = Table(
    "auth_events",
    "clean",
    "auth_events",
    daily=True,
    sort_by=_EVENT_ORDER,
    columns=_AUTH_EVENTS,
    description="Login, logout, registration pages.",
    derived_from=LOG_EVENTS,
)
QUARANTINED_LOG_LINES = Table(
    "quarantined_log_lines",
    "quarantine",
    "log_lines",
    daily=True,
    sort_by=("source_file", "line", "reason", "raw_bytes"),
    columns=_LOG_QUARANTINE,
    description="Raw log lines that could not be used, each with the reason.",
)
SONGS = Table(
    "songs",
    "star",
    "songs",
    daily=False,
    sort_by=("song_id",),
    columns=_SONGS,
    description="Song dimension.",
)
ARTISTS = Table(
    "artists",
    "star",
    "artists",
    daily=False,
    sort_by=("artist_id",),
    columns=_ARTISTS,
    description="Artist dimension.",
)
QUARANTINED_SONG_RECORDS = Table(
    "quarantined_song_records",
    "quarantine",
    "song_records",
    daily=False,
    sort_by=("source_file", "record", "reason"),
    columns=_SONG_QUARANTINE,
    description=(
        "Song files or records that give no songs row (broken, unreadable, or a duplicate "
        "song_id), each with the reason."
    ),
)
TIME = Table(
    "time",
    "star",
    "time",
    daily=True,
    sort_by=("start_time",),
    columns=_TIME,
    description="Time dimension: one row per distinct play timestamp.",
    derived_from=LISTEN_EVENTS,
)
SONGPLAYS = Table(
    "songplays",
    "star",
    "songplays",
    daily=True,
    sort_by=("start_time", "songplay_id"),
    columns=_SONGPLAYS,
    description="Fact table: one row per NextSong event, matched to songs where possible.",
    derived_from=LISTEN_EVENTS,
)
USERS = Table(
    "users",
    "star",
    "users",
    daily=False,
    sort_by=("user_id",),
    columns=_USERS,
    description=(
        "User dimension: one row per user with the level of their latest event. Kept "
        "incrementally: a day's events are merged into the state, no past day is re-read."
    ),
)
USER_STATE = Table(
    "user_state",
    "state",
    "users",
    daily=False,
    sort_by=("user_id",),
    columns=_USER_STATE,
    description="The users table's incremental state (not an asset).",
)
# Written by the song catalogue step with songs and artists, read by the songplays step.
SONG_MATCH_KEYS = Table(
    "song_match_keys",
    "state",
    "song_match_keys",
    daily=False,
    sort_by=("song_id", "artist_name"),
    columns=_SONG_MATCH_KEYS,
    description="What songplays are matched on (not an asset).",
)

ALL_TABLES: tuple[Table, ...] = (
    SONGS,
    ARTISTS,
    QUARANTINED_SONG_RECORDS,
    LOG_EVENTS,
    LISTEN_EVENTS,
    PAGE_VIEW_EVENTS,
    AUTH_EVENTS,
    QUARANTINED_LOG_LINES,
    TIME,
    SONGPLAYS,
    USERS,
    USER_STATE,
    SONG_MATCH_KEYS,
)
# By name: what a step's report (which may have travelled as JSON) calls each table.
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in ALL_TABLES}


# ---- The stream's own clean tables (a lake whose events come from Kafka) -----------------------
# Not in ALL_TABLES: a lake of log files never has them, so the warehouse's sources, the query
# views and the column reference (which list ALL_TABLES) stay those of every lake. The stream's
# events themselves go to the clean tables above, the same rows log files give.

_EVENT_LOCATIONS = T.StructType(
    [
        *_project(_LOG_EVENTS, "ts", "session_id", "item_in_session", "user_id").fields,
        _column("zip", T.StringType(), "The user's ZIP code as Streamify sends it (a string)."),
        _column("latitude", T.DoubleType(), "Latitude of the user's location (Streamify `lat`)."),
        _column("longitude", T.DoubleType(), "Longitude of the user's location (Streamify `lon`)."),
    ]
)

_MESSAGE_QUARANTINE = T.StructType(
    [
        _column("topic", T.StringType(), "The Kafka topic the message was read from."),
        _column("partition", T.IntegerType(), "Its partition of the topic."),
        _column("offset", T.LongType(), "Its offset in the partition."),
        _column("timestamp", T.TimestampType(), "Its Kafka timestamp (UTC)."),
        _column(
            "value", T.StringType(), "The message as text (bytes that are not UTF-8 as U+FFFD)."
        ),
        _column("reason", T.StringType(), "Why it could not be used, e.g. `malformed JSON`."),
        _column("raw_bytes", T.BinaryType(), "The message's exact bytes when not valid UTF-8."),
    ]
)

EVENT_LOCATIONS = Table(
    "event_locations",
    "clean",
    "event_locations",
    daily=True,
    sort_by=_EVENT_ORDER,
    columns=_EVENT_LOCATIONS,
    description=(
        "Where each signed-in streamed event's user is: ZIP, latitude, longitude (Streamify's "
        "fields that log lines lack), keyed like log_events."
    ),
    derived_from=LOG_EVENTS,
)
QUARANTINED_MESSAGES = Table(
    "quarantined_messages",
    "quarantine",
    "messages",
    daily=True,
    sort_by=("topic", "partition", "offset"),
    columns=_MESSAGE_QUARANTINE,
    description=(
        "Kafka messages that could not be used, each with topic, partition, offset and the "
        "reason; on their event's UTC day (their Kafka timestamp's when the event has no time)."
    ),
)
STREAM_TABLES: tuple[Table, ...] = (EVENT_LOCATIONS, QUARANTINED_MESSAGES)
TABLES_BY_NAME.update({table.name: table for table in STREAM_TABLES})


# ---- The raw zone: Kafka messages as received (the streaming source) ---------------------------

_RAW_MESSAGES = T.StructType(
    [
        _column("topic", T.StringType(), "The Kafka topic the message was read from."),
        _column("partition", T.IntegerType(), "Its partition of the topic."),
        _column("offset", T.LongType(), "Its offset in the partition: unique with `partition`."),
        _column(
            "timestamp",
            T.TimestampType(),
            "Its Kafka timestamp (UTC): the producer's or the broker's time; `date` is its day.",
        ),
        _column("key", T.BinaryType(), "The message key's bytes (Streamify: the user or session)."),
        _column("value", T.BinaryType(), "The message's bytes as received (Streamify: JSON)."),
    ]
)


def raw_table(topic: str) -> Table:
    """The raw zone's table of a Kafka topic: <lake>/raw/<topic>/date=YYYY-MM-DD/. Written by
    Spark's file sink (streaming/ingest.py), whose manifest <lake>/raw/<topic>/_spark_metadata
    says which files are committed: read it with Spark at the table's root, never file by file.
    Not in ALL_TABLES (what the batch steps write through ParquetLake)."""
    return Table(
        f"raw_{topic}",
        "raw",
        topic,
        daily=True,
        sort_by=("partition", "offset"),
        columns=_RAW_MESSAGES,
        description=f"Every message of the Kafka topic {topic}, as received, by Kafka day.",
    )


# Streamify's three topics.
RAW_TABLES: tuple[Table, ...] = tuple(raw_table(topic) for topic in streamify.TOPICS)
