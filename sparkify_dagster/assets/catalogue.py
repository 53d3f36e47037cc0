"""The song catalogue: song_data/ → `songs` and `artists` (full refresh; the catalogue is small)."""

import dagster as dg
from pyspark import StorageLevel
from pyspark.sql import functions as F

from sparkify_dagster import tables
from sparkify_dagster.assets.check_results import primary_key_check, primary_key_spec
from sparkify_dagster.assets.materialization_metadata import table_metadata
from sparkify_dagster.quality import primary_key_report
from sparkify_dagster.resources import LakeResource, SparkResource
from sparkify_dagster.schemas import SONG_QUARANTINE
from sparkify_dagster.sources import read_song_records, song_records_frame
from sparkify_dagster.transforms import catalogue as T


@dg.multi_asset(
    name="song_catalogue",
    specs=[
        dg.AssetSpec("songs", group_name="star", description="Song dimension."),
        dg.AssetSpec("artists", group_name="star", description="Artist dimension."),
        dg.AssetSpec(
            "quarantined_song_records",
            group_name="quarantine",
            description="Song files or records that could not be used, each with the reason.",
        ),
    ],
    check_specs=[
        primary_key_spec("songs", "song_id"),
        primary_key_spec("artists", "artist_id"),
        dg.AssetCheckSpec(
            "every_record_accounted_for",
            asset="songs",
            blocking=True,
            description="Song records read = usable records + quarantined records.",
        ),
    ],
)
def song_catalogue(context: dg.AssetExecutionContext, spark: SparkResource, lake: LakeResource):
    session = spark.get_session()
    lake_tables = lake.tables()
    paths = lake.song_files()
    if not paths:
        context.log.warning(f"No song files under {lake.source_root}/song_data: empty catalogue.")
    context.log.info(f"Reading {len(paths):,} song file(s)")
    read = read_song_records(paths)
    parsed = T.parse_song_records(song_records_frame(session, read.records)).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    try:
        rejected_files = session.createDataFrame(read.rejected, SONG_QUARANTINE)
        outputs = [
            (tables.SONGS, T.build_songs(parsed)),
            (tables.ARTISTS, T.build_artists(parsed)),
            (
                tables.QUARANTINED_SONG_RECORDS,
                T.quarantined_song_records(parsed).unionByName(rejected_files),
            ),
        ]
        for table, df in outputs:
            lake_tables.replace_table(df, table)
            context.log.info(f"Wrote {table.name} ({lake_tables.row_count(table):,} rows)")
            yield dg.MaterializeResult(
                asset_key=table.name, metadata=table_metadata(lake_tables, table, df.schema)
            )
        usable = parsed.filter(F.col("reason").isNull()).count()
    finally:
        parsed.unpersist()

    records_in = len(read.records) + len(read.rejected)
    quarantined = lake_tables.row_count(tables.QUARANTINED_SONG_RECORDS)
    yield dg.AssetCheckResult(
        check_name="every_record_accounted_for",
        asset_key="songs",
        passed=records_in == usable + quarantined,
        metadata={
            "song_files": len(paths),
            "records_read": records_in,
            "usable_records": usable,
            "quarantined_records": quarantined,
            "songs": lake_tables.row_count(tables.SONGS),
        },
    )
    yield primary_key_check(
        "songs",
        "song_id",
        primary_key_report(lake_tables.read_table(session, tables.SONGS), "song_id"),
    )
    yield primary_key_check(
        "artists",
        "artist_id",
        primary_key_report(lake_tables.read_table(session, tables.ARTISTS), "artist_id"),
    )
