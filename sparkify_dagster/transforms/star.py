"""Clean events + song catalogue → the star schema: songplays, time, users."""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from sparkify_dagster.schemas import USER_STATE, USERS
from sparkify_dagster.transforms.events import PARTITION_COLUMN

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


def song_catalogue(songs: DataFrame, artists: DataFrame) -> DataFrame:
    """What a play can be matched on: title, artist name and duration of every known song."""
    return songs.join(artists, "artist_id").select(
        "song_id",
        "artist_id",
        "title",
        F.col("name").alias("artist_name"),
        "duration",
    )


def build_songplays(
    listens: DataFrame,
    songs: DataFrame,
    artists: DataFrame,
    duration_tolerance_s: float = DEFAULT_DURATION_TOLERANCE_S,
) -> DataFrame:
    """One songplay per NextSong event; song_id/artist_id where title, artist and duration match.

    Unmatched plays keep null ids. Where several catalogue songs match one play, the closest
    duration wins (then the smallest song_id), so a play is never duplicated by the join.
    """
    catalogue = F.broadcast(song_catalogue(songs, artists).alias("c"))
    plays = listens.withColumn(
        "songplay_id", songplay_id("ts", "user_id", "session_id", "item_in_session")
    ).alias("p")
    matches = (F.col("p.song") == F.col("c.title")) & (F.col("p.artist") == F.col("c.artist_name"))
    close = F.abs(F.col("p.length") - F.col("c.duration")) <= F.lit(duration_tolerance_s)
    joined = plays.join(catalogue, matches & close, "left")
    best_first = Window.partitionBy("p.songplay_id").orderBy(
        F.abs(F.col("p.length") - F.col("c.duration")).asc_nulls_last(),
        F.col("c.song_id").asc_nulls_last(),
    )
    return (
        joined.withColumn("_rank", F.row_number().over(best_first))
        .filter(F.col("_rank") == 1)
        .select(
            F.col("p.songplay_id").alias("songplay_id"),
            F.col("p.ts").alias("start_time"),
            F.col("p.user_id").alias("user_id"),
            F.col("p.level").alias("level"),
            F.col("c.song_id").alias("song_id"),
            F.col("c.artist_id").alias("artist_id"),
            F.col("p.session_id").alias("session_id"),
            F.col("p.location").alias("location"),
            F.col("p.user_agent").alias("user_agent"),
            F.col(f"p.{PARTITION_COLUMN}").alias(PARTITION_COLUMN),
        )
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
        .select(*USER_STATE.fieldNames())
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
    return state.select(*USERS.fieldNames())
