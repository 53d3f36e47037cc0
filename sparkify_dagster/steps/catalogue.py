"""The song catalogue step: song_data/ → `songs`, `artists` and their quarantine (full refresh),
and the keys songplays are matched on (state/song_match_keys)."""

from concurrent.futures import ThreadPoolExecutor

from pyspark import StorageLevel
from pyspark.sql import SparkSession

from sparkify_dagster import tables
from sparkify_dagster.layout import SONG_DATA, list_song_files
from sparkify_dagster.quality import primary_key_report
from sparkify_dagster.sources import read_song_records, song_records_frame
from sparkify_dagster.steps.report import StepLog, StepReport, StepRequest, describe_table
from sparkify_dagster.steps.step import Check, PrimaryKeyCheck, Step
from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.transforms import catalogue as T

SONG_ID_KEY = PrimaryKeyCheck.of(tables.SONGS, "song_id")
ARTIST_ID_KEY = PrimaryKeyCheck.of(tables.ARTISTS, "artist_id")
EVERY_RECORD_ACCOUNTED_FOR = Check(
    "every_record_accounted_for",
    tables.SONGS,
    "Song records read = songs rows + quarantined records (unusable, unreadable or a "
    "duplicate song_id).",
)


def _song_catalogue(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    lake = ParquetLake(request.lake_root, session)
    paths = list_song_files(request.source_root, session)
    if not paths:
        log.warning(f"No song files under {request.source_root}/{SONG_DATA}: empty catalogue.")
    log.info(f"Reading {len(paths):,} song file(s)")
    read = read_song_records(paths, session=session)
    parsed = T.parse_song_records(song_records_frame(session, read.records)).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    try:
        rejected_files = session.createDataFrame(
            read.rejected, tables.QUARANTINED_SONG_RECORDS.columns
        )
        assets = {
            tables.SONGS: T.build_songs(parsed),
            tables.ARTISTS: T.build_artists(parsed),
            tables.QUARANTINED_SONG_RECORDS: T.quarantined_song_records(parsed).unionByName(
                rejected_files
            ),
        }
        # Not an asset: matching state, like state/users (swapped in the same way).
        outputs = {**assets, tables.SONG_MATCH_KEYS: T.build_song_match_keys(parsed)}
        # Concurrent Spark jobs, as the clean step's: each write ends on one task (one sorted
        # file per table), and the other writes' tasks use the idle core meanwhile.
        with ThreadPoolExecutor(max_workers=len(outputs)) as pool:
            writes = [pool.submit(lake.replace_table, df, table) for table, df in outputs.items()]
        for write in writes:
            write.result()
    finally:
        parsed.unpersist()
    written = {table: describe_table(lake, table) for table in assets}
    for table, described in written.items():
        log.info(f"Wrote {table.name} ({described.row_count:,} rows)")

    # Every record read is a songs row or quarantined (unusable, unreadable or a duplicate).
    records_in = len(read.records) + len(read.rejected)
    songs = written[tables.SONGS].row_count
    quarantined = written[tables.QUARANTINED_SONG_RECORDS].row_count
    checks = [
        EVERY_RECORD_ACCOUNTED_FOR.measured(
            passed=records_in == songs + quarantined,
            metadata={
                "song_files": len(paths),
                "records_read": records_in,
                "songs": songs,
                "quarantined_records": quarantined,
            },
        ),
        SONG_ID_KEY.measured_from(
            primary_key_report(lake.read_table(session, tables.SONGS), SONG_ID_KEY.key)
        ),
        ARTIST_ID_KEY.measured_from(
            primary_key_report(lake.read_table(session, tables.ARTISTS), ARTIST_ID_KEY.key)
        ),
    ]
    return StepReport(tables=list(written.values()), checks=checks)


SONG_CATALOGUE_STEP = Step(
    "song_catalogue",
    _song_catalogue,
    checks=(SONG_ID_KEY, ARTIST_ID_KEY, EVERY_RECORD_ACCOUNTED_FOR),
)
