"""Raw log lines → the clean zone: typed, snake_case events, topic tables and a quarantine.

Every input line ends up in exactly one of two places: the clean events (reason is null) or the
quarantine (with the reason). Nothing is dropped silently; callers reconcile the counts.
"""

from collections.abc import Sequence
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from sparkify_dagster import tables
from sparkify_dagster.layout import LOG_FILE_IN_PATH
from sparkify_dagster.schemas import CORRUPT_RECORD, RAW_LOG_EVENT
from sparkify_dagster.tables import PARTITION_COLUMN
from sparkify_dagster.transforms.raw_records import first_reason, parse_failure, parse_json_once
from sparkify_dagster.transforms.text import blank_to_null, repair_double_encoded_utf8

GZIP_REASON = "gzip-compressed data (decompress the file)"

# Pages that change who is signed in, as in Streamify's auth_events topic.
AUTH_PAGES = (
    "Login",
    "Logout",
    "Register",
    "Submit Registration",
    "Cancel",
    "Cancellation Confirmation",
)


def require_utc_session(df: DataFrame) -> None:
    """Day boundaries and hour/day columns are UTC by contract; refuse any other session zone."""
    zone = df.sparkSession.conf.get("spark.sql.session.timeZone")
    if zone not in ("UTC", "Etc/UTC", "GMT", "Z", "+00:00"):
        raise ValueError(
            f"Spark session time zone is {zone!r}; Sparkify days are UTC days. "
            "Set spark.sql.session.timeZone=UTC (SparkResource does)."
        )


# Epoch milliseconds Spark can turn into a timestamp: 1970-01-01 … 9999-12-31.
MAX_TS_MS = 253_402_300_799_999


def _reason(event: Column) -> Column:
    user_id_text = F.trim(event["userId"])
    return first_reason(
        (F.col("compressed"), GZIP_REASON),
        (F.trim("line") == "", "blank line"),
        (~F.is_valid_utf8("line"), "invalid UTF-8"),
        (event[CORRUPT_RECORD].isNotNull(), parse_failure("line", "event", RAW_LOG_EVENT)),
        (event["ts"].isNull(), "missing ts"),
        (event["sessionId"].isNull(), "missing sessionId"),
        (event["itemInSession"].isNull(), "missing itemInSession"),
        (blank_to_null(event["page"]).isNull(), "missing page"),
        (
            (user_id_text != "") & user_id_text.try_cast("int").isNull(),
            "userId is not an integer",
        ),
        ((event["ts"] < 0) | (event["ts"] > MAX_TS_MS), "ts out of range"),
        (F.col("file_date").isNull(), "file name carries no YYYY-MM-DD date"),
        (
            F.to_date(F.timestamp_millis(event["ts"])) != F.col("file_date"),
            "ts falls outside the file's UTC day",
        ),
        (
            (event["page"] == "NextSong")
            & (blank_to_null(event["song"]).isNull() | blank_to_null(event["artist"]).isNull()),
            "NextSong without song or artist",
        ),
    )


def _text(event: Column, field: str) -> Column:
    return repair_double_encoded_utf8(blank_to_null(event[field]))


def clean_columns(event: Column) -> list[Column]:
    """The log_events columns, from a typed raw event (null for a bad line)."""
    ts = F.timestamp_millis(event["ts"])
    location = _text(event, "location")
    has_state = location.rlike(r", [^,]*$")
    user_agent = blank_to_null(event["userAgent"])
    return [
        ts.alias("ts"),
        F.trim(blank_to_null(event["userId"])).try_cast("int").alias("user_id"),
        _text(event, "firstName").alias("first_name"),
        _text(event, "lastName").alias("last_name"),
        blank_to_null(event["gender"]).alias("gender"),
        blank_to_null(event["level"]).alias("level"),
        F.timestamp_millis(event["registration"].try_cast("long")).alias("registration"),
        event["sessionId"].alias("session_id"),
        event["itemInSession"].try_cast("int").alias("item_in_session"),
        blank_to_null(event["auth"]).alias("auth"),
        event["page"].alias("page"),
        blank_to_null(event["method"]).alias("method"),
        event["status"].try_cast("int").alias("status"),
        _text(event, "artist").alias("artist"),
        _text(event, "song").alias("song"),
        event["length"].alias("length"),
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
    ]


CLEAN_COLUMNS = tables.LOG_EVENTS.column_names


def classify_log_lines(lines: DataFrame) -> DataFrame:
    """(source_file, line, compressed) → one flat row per line: a clean event or a quarantine entry.

    Good lines carry the log_events columns and a null `reason`; bad lines carry `reason`,
    `line` and (when not UTF-8) `raw_bytes`. Both carry `date`, the UTC day of their file.
    The JSON is parsed exactly once per line.
    """
    require_utc_session(lines)
    file_day = F.regexp_extract("source_file", LOG_FILE_IN_PATH, 1)
    good_event = F.when(F.col("reason").isNull(), F.col("event"))
    is_bad = F.col("reason").isNotNull()
    return (
        lines.select(
            "source_file",
            "line",
            "compressed",
            F.when(file_day != "", F.try_to_date(file_day)).alias("file_date"),
            parse_json_once("line", RAW_LOG_EVENT, "event"),
        )
        .withColumn("reason", _reason(F.col("event")))
        .select(
            *clean_columns(good_event),
            # Parquet strings must be valid UTF-8: bad bytes become U+FFFD in `line` and the
            # exact bytes are kept in raw_bytes, so nothing of the original line is lost.
            F.when(is_bad, F.col("source_file")).alias("source_file"),
            F.when(is_bad, F.make_valid_utf8("line")).alias("line"),
            "reason",
            F.when(is_bad & ~F.is_valid_utf8("line"), F.col("line").cast("binary")).alias(
                "raw_bytes"
            ),
            F.col("file_date").alias(PARTITION_COLUMN),
        )
    )


def line_counts(days: Sequence[date]) -> list[Column]:
    """Aggregates over classify_log_lines() output: lines and rejected lines of each day.

    Meant for DataFrame.observe(), so the counts come with the pass that writes the events.
    """
    is_bad = F.col("reason").isNotNull()
    counts = []
    for day in days:
        on_day = F.col(PARTITION_COLUMN) == F.lit(day)
        counts.append(F.count_if(on_day).alias(f"lines_{day:%Y%m%d}"))
        counts.append(F.count_if(on_day & is_bad).alias(f"rejected_{day:%Y%m%d}"))
    return counts


def line_counts_by_day(
    observed: dict[str, int], days: Sequence[date]
) -> tuple[dict[date, int], dict[date, int]]:
    """The values of line_counts() as ({day: lines}, {day: rejected lines})."""
    return (
        {day: observed[f"lines_{day:%Y%m%d}"] for day in days},
        {day: observed[f"rejected_{day:%Y%m%d}"] for day in days},
    )


def clean_events(classified: DataFrame) -> DataFrame:
    """The good lines of classify_log_lines(): the `log_events` table plus its `date`."""
    return classified.filter(F.col("reason").isNull()).select(*CLEAN_COLUMNS, PARTITION_COLUMN)


def quarantined_lines(classified: DataFrame) -> DataFrame:
    """The bad lines of classify_log_lines(), each with its reason, plus the `date` of its file."""
    return classified.filter(F.col("reason").isNotNull()).select(
        *tables.QUARANTINED_LOG_LINES.column_names, PARTITION_COLUMN
    )


def listen_events(events: DataFrame) -> DataFrame:
    """NextSong plays (Streamify's listen_events)."""
    return events.filter(F.col("page") == "NextSong").select(
        *tables.LISTEN_EVENTS.column_names, PARTITION_COLUMN
    )


def page_view_events(events: DataFrame) -> DataFrame:
    """Every page the app served (Streamify's page_view_events)."""
    return events.select(*tables.PAGE_VIEW_EVENTS.column_names, PARTITION_COLUMN)


def auth_events(events: DataFrame) -> DataFrame:
    """Sign-in, sign-out, registration and cancellation pages (Streamify's auth_events)."""
    return events.filter(F.col("page").isin(*AUTH_PAGES)).select(
        *tables.AUTH_EVENTS.column_names, PARTITION_COLUMN
    )
