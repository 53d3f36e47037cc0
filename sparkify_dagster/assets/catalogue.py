"""The song catalogue: song_data/ → `songs` and `artists` (full refresh; the catalogue is small).

The step also writes state/song_match_keys, what songplays are matched on: not an asset."""

import dagster as dg

from sparkify_dagster import tables
from sparkify_dagster.assets.check_results import primary_key_spec
from sparkify_dagster.assets.step_results import report_results, step_request, table_spec
from sparkify_dagster.resources import LakeResource, SparkCompute


@dg.multi_asset(
    name="song_catalogue",
    specs=[
        table_spec(tables.SONGS, "Song dimension."),
        table_spec(tables.ARTISTS, "Artist dimension."),
        table_spec(
            tables.QUARANTINED_SONG_RECORDS,
            (
                "Song files or records that give no songs row (broken, unreadable, or a "
                "duplicate song_id), each with the reason."
            ),
        ),
    ],
    check_specs=[
        primary_key_spec("songs", "song_id"),
        primary_key_spec("artists", "artist_id"),
        dg.AssetCheckSpec(
            "every_record_accounted_for",
            asset="songs",
            blocking=True,
            description=(
                "Song records read = songs rows + quarantined records (unusable, unreadable "
                "or a duplicate song_id)."
            ),
        ),
    ],
)
def song_catalogue(context: dg.AssetExecutionContext, compute: SparkCompute, lake: LakeResource):
    report = compute.run(context, step_request("song_catalogue", lake))
    yield from report_results(context, report)
