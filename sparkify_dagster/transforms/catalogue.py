"""Song records → the `songs` and `artists` dimensions (the song catalogue)."""

from pyspark.sql import Column, DataFrame, Window, WindowSpec
from pyspark.sql import functions as F

from sparkify_dagster import tables
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


def _good(parsed: DataFrame) -> DataFrame:
    return parsed.filter(F.col("reason").isNull())


def _keep_one_per(key: str, values: list[str], tiebreak: tuple[str, ...] = ()) -> WindowSpec:
    """Rows of a key in the order that puts the one kept first, the same on every run: the most
    complete, then the smallest values, then the smallest `tiebreak` (which equal rows lose).

    The raw catalogue can carry one artist_id (or song_id) with differing names or locations;
    "first seen" would depend on file listing order, so the choice is made on the values.
    """
    completeness = sum((F.col(c).isNotNull().cast("int") for c in values), F.lit(0))
    order: list[Column] = [
        completeness.desc(),
        *[F.col(c).asc_nulls_last() for c in (*values, *tiebreak)],
    ]
    return Window.partitionBy(key).orderBy(*order)


def _song_rows(parsed: DataFrame) -> DataFrame:
    """Every usable record as a songs row (year 0 means unknown: null) with `_rank` (1 for the
    one kept per song_id) and `_same_as_kept` (its songs row equals the kept one)."""
    s = F.col("song")
    year = s["year"].try_cast("int")
    rows = _good(parsed).select(
        F.trim(s["song_id"]).alias("song_id"),
        blank_to_null(s["title"]).alias("title"),
        F.trim(s["artist_id"]).alias("artist_id"),
        F.when(year > 0, year).alias("year"),
        s["duration"].alias("duration"),
        "source_file",
        "record",
    )
    values = [c for c in tables.SONGS.column_names if c != "song_id"]
    window = _keep_one_per("song_id", values, ("source_file", "record"))
    kept = F.struct(*values)
    return rows.select(
        "*",
        F.row_number().over(window).alias("_rank"),
        kept.eqNullSafe(F.first(kept).over(window)).alias("_same_as_kept"),
    )


def quarantined_song_records(parsed: DataFrame) -> DataFrame:
    """Records that give no songs row, each with its reason: the unusable ones, and every
    record of a song_id but the one kept (an exact copy of the kept song included), so that
    records read = songs rows + quarantined records."""
    kept = F.when(F.col("_same_as_kept"), "the same song").otherwise("another record")
    reason = F.concat(F.lit("duplicate song_id "), "song_id", F.lit(": "), kept, F.lit(" was kept"))
    duplicates = (
        _song_rows(parsed)
        .filter(F.col("_rank") > 1)
        .select("source_file", "record", reason.alias("reason"))
    )
    unusable = parsed.filter(F.col("reason").isNotNull()).select("source_file", "record", "reason")
    return unusable.unionByName(duplicates)


def build_songs(parsed: DataFrame) -> DataFrame:
    """songs(song_id, title, artist_id, year, duration): one row per song_id."""
    return _song_rows(parsed).filter(F.col("_rank") == 1).select(*tables.SONGS.column_names)


def build_artists(parsed: DataFrame) -> DataFrame:
    """artists(artist_id, name, location, latitude, longitude), one row per artist_id."""
    s = F.col("song")
    rows = _good(parsed).select(
        F.trim(s["artist_id"]).alias("artist_id"),
        blank_to_null(s["artist_name"]).alias("name"),
        blank_to_null(F.trim(s["artist_location"])).alias("location"),
        s["artist_latitude"].alias("latitude"),
        s["artist_longitude"].alias("longitude"),
    )
    values = [c for c in rows.columns if c != "artist_id"]
    rank = F.row_number().over(_keep_one_per("artist_id", values))
    return rows.withColumn("_rank", rank).filter(F.col("_rank") == 1).drop("_rank")


def build_song_match_keys(parsed: DataFrame) -> DataFrame:
    """What a play is matched on: each song's title and duration under every artist_name its
    artist_id carries among usable records (the MSD spells one artist several ways: hyphen or
    space, "feat." forms), so a play matches whichever spelling its log uses. A record that
    lost to another of its song_id still tells how its artist is spelt: it counts too."""
    s = F.col("song")
    spellings = (
        _good(parsed)
        .select(
            F.trim(s["artist_id"]).alias("artist_id"),
            blank_to_null(s["artist_name"]).alias("artist_name"),
        )
        .filter(F.col("artist_name").isNotNull())
        .distinct()
    )
    return (
        build_songs(parsed)
        .join(spellings, "artist_id")
        .select(*tables.SONG_MATCH_KEYS.column_names)
    )
