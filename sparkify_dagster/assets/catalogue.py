"""The song catalogue: song_data/ → `songs` and `artists` (full refresh; the catalogue is small).

The step also writes state/song_match_keys, what songplays are matched on: not an asset."""

import dagster as dg

from sparkify_dagster.assets.check_results import primary_key_spec
from sparkify_dagster.assets.step_results import report_results, spec_metadata, step_request
from sparkify_dagster.resources import LakeResource, SparkCompute


@dg.multi_asset(
    name="song_catalogue",
    specs=[
        dg.AssetSpec(
            "songs",
            group_name="star",
            description="Song dimension.",
            metadata=spec_metadata("songs"),
        ),
        dg.AssetSpec(
            "artists",
            group_name="star",
            description="Artist dimension.",
            metadata=spec_metadata("artists"),
        ),
        dg.AssetSpec(
            "quarantined_song_records",
            group_name="quarantine",
            description=(
                "Song files or records that give no songs row (broken, unreadable, or a "
                "duplicate song_id), each with the reason."
            ),
            metadata=spec_metadata("quarantined_song_records"),
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
