"""Song records → the `songs` and `artists` dimensions (the song catalogue)."""

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from sparkify_dagster.schemas import CORRUPT_RECORD, RAW_SONG
from sparkify_dagster.transforms.raw_records import first_reason, parse_failure, parse_json_once
from sparkify_dagster.transforms.text import blank_to_null


def parse_song_records(records: DataFrame) -> DataFrame:
    """(source_file, record) → typed `song` struct and `reason` (null for a usable record)."""
    song = F.col("song")
    reason = first_reason(
        (F.trim("record") == "", "empty record"),
        (song[CORRUPT_RECORD].isNotNull(), parse_failure("record", "song", RAW_SONG)),
        (blank_to_null(F.trim(song["song_id"])).isNull(), "missing song_id"),
        (blank_to_null(F.trim(song["artist_id"])).isNull(), "missing artist_id"),
    )
    return records.select(
        "source_file", "record", parse_json_once("record", RAW_SONG, "song")
    ).withColumn("reason", reason)


def quarantined_song_records(parsed: DataFrame) -> DataFrame:
    """Unusable records of parse_song_records(), each with its reason."""
    return parsed.filter(F.col("reason").isNotNull()).select("source_file", "record", "reason")


def _one_row_per_key(df: DataFrame, key: str) -> DataFrame:
    """Keep one row per key, the same one on every run: the most complete, then the smallest.

    The raw catalogue can carry one artist_id (or song_id) with differing names or locations;
    "first seen" would depend on file listing order, so the choice is made on the values.
    """
    values = [c for c in df.columns if c != key]
    completeness = sum((F.col(c).isNotNull().cast("int") for c in values), F.lit(0))
    order: list[Column] = [completeness.desc(), *[F.col(c).asc_nulls_last() for c in values]]
    rank = F.row_number().over(Window.partitionBy(key).orderBy(*order))
    return df.withColumn("_rank", rank).filter(F.col("_rank") == 1).drop("_rank")


def _good(parsed: DataFrame) -> DataFrame:
    return parsed.filter(F.col("reason").isNull())


def build_songs(parsed: DataFrame) -> DataFrame:
    """songs(song_id, title, artist_id, year, duration): year 0 means unknown and becomes null."""
    s = F.col("song")
    year = s["year"].try_cast("int")
    return _one_row_per_key(
        _good(parsed).select(
            F.trim(s["song_id"]).alias("song_id"),
            blank_to_null(s["title"]).alias("title"),
            F.trim(s["artist_id"]).alias("artist_id"),
            F.when(year > 0, year).alias("year"),
            s["duration"].alias("duration"),
        ),
        "song_id",
    )


def build_artists(parsed: DataFrame) -> DataFrame:
    """artists(artist_id, name, location, latitude, longitude), one row per artist_id."""
    s = F.col("song")
    return _one_row_per_key(
        _good(parsed).select(
            F.trim(s["artist_id"]).alias("artist_id"),
            blank_to_null(s["artist_name"]).alias("name"),
            blank_to_null(F.trim(s["artist_location"])).alias("location"),
            s["artist_latitude"].alias("latitude"),
            s["artist_longitude"].alias("longitude"),
        ),
        "artist_id",
    )
