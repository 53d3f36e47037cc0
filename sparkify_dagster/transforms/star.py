"""Clean events + song catalogue → the star schema: songplays, time, users."""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from sparkify_dagster import tables
from sparkify_dagster.tables import PARTITION_COLUMN

DEFAULT_DURATION_TOLERANCE_S = 0.5


def songplay_id(ts: str, user_id: str, session_id: str, item_in_session: str) -> F.Column:
    """A stable id from what identifies a play, so reruns give the same ids (not row order)."""
    key = F.concat_ws(
        "|",
        F.unix_millis(F.col(ts)).cast("string"),
        F.coalesce(F.col(user_id).cast("string"), F.lit("")),
        F.col(session_id).cast("string"),
        F.col(item_in_session).cast("string"),
    )
    return F.substring(F.sha2(key, 256), 1, 32)


def build_time(listens: DataFrame) -> DataFrame:
    """time(start_time, hour, day, week, month, year, weekday) for each distinct play timestamp.

    weekday is ISO 8601 (Monday = 1 … Sunday = 7), the same numbering as log_events.day_of_week.
    """
    start = F.col("start_time")
    return (
        listens.select(F.col("ts").alias("start_time"), PARTITION_COLUMN)
        .distinct()
        .select(
            start,
            F.hour(start).alias("hour"),
            F.dayofmonth(start).alias("day"),
            F.weekofyear(start).alias("week"),
            F.month(start).alias("month"),
            F.year(start).alias("year"),
            (F.weekday(start) + 1).alias("weekday"),
            PARTITION_COLUMN,
        )
    )


def build_songplays(
    listens: DataFrame,
    match_keys: DataFrame,
    duration_tolerance_s: float = DEFAULT_DURATION_TOLERANCE_S,
) -> DataFrame:
    """One songplay per NextSong event; song_id/artist_id where title, artist and duration match.

    `match_keys` (the catalogue's state/song_match_keys) holds each song under every spelling
    of its artist's name, so a play matches the spelling its log uses. Unmatched plays keep
    null ids. The keys are grouped by (title, artist_name) so the join is one-to-one and never
    duplicates a play; among the candidates within the tolerance the closest duration wins,
    then the smallest song_id. No shuffle of the plays is needed.
    """
    candidates = F.broadcast(
        match_keys.groupBy("title", "artist_name").agg(
            F.collect_list(F.struct("duration", "song_id", "artist_id")).alias("candidates")
        )
    )
    length = F.col("length")
    best = F.array_min(
        F.transform(
            F.filter("candidates", lambda c: F.abs(c["duration"] - length) <= duration_tolerance_s),
            lambda c: F.struct(
                F.abs(c["duration"] - length).alias("distance"),
                c["song_id"].alias("song_id"),
                c["artist_id"].alias("artist_id"),
            ),
        )
    )
    matched = listens.join(
        candidates,
        (listens["song"] == candidates["title"]) & (listens["artist"] == candidates["artist_name"]),
        "left",
    ).withColumn("best", best)
    return matched.select(
        songplay_id("ts", "user_id", "session_id", "item_in_session").alias("songplay_id"),
        F.col("ts").alias("start_time"),
        "user_id",
        "level",
        F.col("best.song_id").alias("song_id"),
        F.col("best.artist_id").alias("artist_id"),
        "session_id",
        "location",
        "user_agent",
        PARTITION_COLUMN,
    )


def _latest_per_user(state: DataFrame) -> DataFrame:
    latest_first = Window.partitionBy("user_id").orderBy(
        F.col("last_event_at").desc(),
        F.col("last_session_id").desc(),
        F.col("last_item_in_session").desc(),
        F.col("level").asc_nulls_last(),
    )
    return (
        state.withColumn("_rank", F.row_number().over(latest_first))
        .filter(F.col("_rank") == 1)
        .select(*tables.USER_STATE.column_names)
    )


def user_state_from_events(events: DataFrame) -> DataFrame:
    """Each signed-in user's attributes as of their latest event in `events`."""
    return _latest_per_user(
        events.filter(F.col("user_id").isNotNull()).select(
            "user_id",
            "first_name",
            "last_name",
            "gender",
            "level",
            F.col("ts").alias("last_event_at"),
            F.col("session_id").alias("last_session_id"),
            F.col("item_in_session").alias("last_item_in_session"),
        )
    )


def merge_user_state(previous: DataFrame, update: DataFrame) -> DataFrame:
    """The newer row per user wins, whatever order days arrive in: merges commute and repeat safely."""
    return _latest_per_user(previous.unionByName(update))


def users_from_state(state: DataFrame) -> DataFrame:
    """users(user_id, first_name, last_name, gender, level): one row per user, latest level."""
    return state.select(*tables.USERS.column_names)
