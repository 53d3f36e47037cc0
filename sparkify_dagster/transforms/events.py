"""Raw log lines → the clean zone: typed, snake_case events, topic tables and a quarantine.

Every input line ends up in exactly one of two places: the clean events (reason is null) or the
quarantine (with the reason). Nothing is dropped silently; callers reconcile the counts.
"""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from sparkify_dagster.schemas import (
    CORRUPT_RECORD,
    RAW_LOG_EVENT,
    as_all_strings,
    with_corrupt_record,
)
from sparkify_dagster.transforms.text import blank_to_null, repair_double_encoded_utf8

LOG_FILE_DATE_PATTERN = r"(\d{4}-\d{2}-\d{2})-events\.json$"
PARTITION_COLUMN = "date"

# Pages that change who is signed in, as in Streamify's auth_events topic.
AUTH_PAGES = (
    "Login",
    "Logout",
    "Register",
    "Submit Registration",
    "Cancel",
    "Cancellation Confirmation",
)

# Marks lines the typed parser rejected; quarantined_lines() says what exactly was wrong.
_UNPARSEABLE = "unparseable"
_JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_RECORD}


def require_utc_session(df: DataFrame) -> None:
    """Day boundaries and hour/day columns are UTC by contract; refuse any other session zone."""
    zone = df.sparkSession.conf.get("spark.sql.session.timeZone")
    if zone not in ("UTC", "Etc/UTC", "GMT", "Z", "+00:00"):
        raise ValueError(
            f"Spark session time zone is {zone!r}; Sparkify days are UTC days. "
            "Set spark.sql.session.timeZone=UTC (SparkResource does)."
        )


def _first_reason(*rules: tuple[Column, str]) -> Column:
    return F.coalesce(*[F.when(condition, F.lit(reason)) for condition, reason in rules])


def parse_log_lines(lines: DataFrame) -> DataFrame:
    """(source_file, line) → one row per line: the typed `event`, its `file_date` and a `reason`.

    `reason` is null for a good line. `line` is kept only for bad lines, so caching the result
    does not hold a second copy of every good line.
    """
    require_utc_session(lines)
    event = F.col("event")
    file_day = F.regexp_extract("source_file", LOG_FILE_DATE_PATTERN, 1)
    user_id_text = F.trim(event["userId"])
    ts_day = F.to_date(F.timestamp_millis(event["ts"]))
    reason = _first_reason(
        (F.trim("line") == "", "blank line"),
        (~F.is_valid_utf8("line"), "invalid UTF-8"),
        (event[CORRUPT_RECORD].isNotNull(), _UNPARSEABLE),
        (event["ts"].isNull(), "missing ts"),
        (event["sessionId"].isNull(), "missing sessionId"),
        (event["itemInSession"].isNull(), "missing itemInSession"),
        (blank_to_null(event["page"]).isNull(), "missing page"),
        (
            (user_id_text != "") & user_id_text.try_cast("int").isNull(),
            "userId is not an integer",
        ),
        (F.col("file_date").isNull(), "file name carries no YYYY-MM-DD date"),
        (ts_day != F.col("file_date"), "ts falls outside the file's UTC day"),
        (
            (event["page"] == "NextSong")
            & (blank_to_null(event["song"]).isNull() | blank_to_null(event["artist"]).isNull()),
            "NextSong without song or artist",
        ),
    )
    return (
        lines.select(
            "source_file",
            "line",
            F.when(file_day != "", F.to_date(file_day)).alias("file_date"),
            F.from_json("line", with_corrupt_record(RAW_LOG_EVENT), _JSON_OPTIONS).alias("event"),
        )
        .withColumn("reason", reason)
        .select(
            "source_file",
            F.when(F.col("reason").isNotNull(), F.col("line")).alias("line"),
            "file_date",
            "event",
            "reason",
        )
    )


def _text(field: str) -> Column:
    return repair_double_encoded_utf8(blank_to_null(F.col("event")[field]))


def clean_events(parsed: DataFrame) -> DataFrame:
    """Good lines of parse_log_lines() as the clean `log_events` table plus its `date` column."""
    e = F.col("event")
    ts = F.timestamp_millis(e["ts"])
    location = _text("location")
    has_state = location.rlike(r", [^,]*$")
    user_agent = blank_to_null(e["userAgent"])
    return parsed.filter(F.col("reason").isNull()).select(
        ts.alias("ts"),
        F.trim(blank_to_null(e["userId"])).try_cast("int").alias("user_id"),
        _text("firstName").alias("first_name"),
        _text("lastName").alias("last_name"),
        blank_to_null(e["gender"]).alias("gender"),
        blank_to_null(e["level"]).alias("level"),
        F.timestamp_millis(e["registration"].try_cast("long")).alias("registration"),
        e["sessionId"].alias("session_id"),
        e["itemInSession"].try_cast("int").alias("item_in_session"),
        blank_to_null(e["auth"]).alias("auth"),
        e["page"].alias("page"),
        blank_to_null(e["method"]).alias("method"),
        e["status"].try_cast("int").alias("status"),
        _text("artist").alias("artist"),
        _text("song").alias("song"),
        e["length"].alias("length"),
        location.alias("location"),
        F.when(has_state, F.regexp_extract(location, r"^(.*), [^,]*$", 1))
        .otherwise(location)
        .alias("city"),
        F.when(has_state, F.regexp_extract(location, r", ([^,]*)$", 1)).alias("state"),
        F.regexp_replace(user_agent, r'^"(.*)"$', "$1").alias("user_agent"),
        F.year(ts).alias("year"),
        F.month(ts).alias("month"),
        F.dayofmonth(ts).alias("day"),
        F.hour(ts).alias("hour"),
        # ISO 8601: Monday = 1 … Sunday = 7.
        (F.weekday(ts) + 1).alias("day_of_week"),
        (F.weekday(ts) >= 5).alias("is_weekend"),
        F.col("file_date").alias(PARTITION_COLUMN),
    )


def quarantined_lines(parsed: DataFrame) -> DataFrame:
    """Bad lines of parse_log_lines() with a precise reason, plus the `date` of their file."""
    bad = parsed.filter(F.col("reason").isNotNull())
    loose = F.from_json("line", as_all_strings(RAW_LOG_EVENT))
    wrong_type_fields = F.concat_ws(
        ", ",
        *[
            F.when(F.col("event")[f.name].isNull() & loose[f.name].isNotNull(), F.lit(f.name))
            for f in RAW_LOG_EVENT.fields
        ],
    )
    precise = F.when(wrong_type_fields == "", F.lit("malformed JSON")).otherwise(
        F.concat(F.lit("wrong type for "), wrong_type_fields)
    )
    return bad.select(
        "source_file",
        # Parquet strings must be valid UTF-8: bad bytes become U+FFFD here and the exact
        # bytes are kept in raw_bytes, so nothing of the original line is lost.
        F.make_valid_utf8("line").alias("line"),
        F.when(F.col("reason") == _UNPARSEABLE, precise).otherwise(F.col("reason")).alias("reason"),
        F.when(~F.is_valid_utf8("line"), F.col("line").cast("binary")).alias("raw_bytes"),
        F.col("file_date").alias(PARTITION_COLUMN),
    )


def listen_events(events: DataFrame) -> DataFrame:
    """NextSong plays (Streamify's listen_events)."""
    return events.filter(F.col("page") == "NextSong").select(
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
        PARTITION_COLUMN,
    )


def page_view_events(events: DataFrame) -> DataFrame:
    """Every page the app served (Streamify's page_view_events)."""
    return events.select(
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
        PARTITION_COLUMN,
    )


def auth_events(events: DataFrame) -> DataFrame:
    """Sign-in, sign-out, registration and cancellation pages (Streamify's auth_events)."""
    return events.filter(F.col("page").isin(*AUTH_PAGES)).select(
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
        PARTITION_COLUMN,
    )
