"""Jobs: the daily star-schema job (partitioned) and the song catalogue refresh."""

import dagster as dg

from sparkify_dagster.assets import CATALOGUE_ASSETS, DAILY_ASSETS

# Every asset of a run in one process, so the run starts one SparkSession, not one per asset.
daily_star_schema_job = dg.define_asset_job(
    name="daily_star_schema",
    description="One UTC day (or a range, as one run): clean events, time, users, songplays.",
    selection=dg.AssetSelection.assets(*DAILY_ASSETS),
    executor_def=dg.in_process_executor,
)

song_catalogue_job = dg.define_asset_job(
    name="song_catalogue_refresh",
    description="Re-read song_data/ into songs and artists.",
    selection=dg.AssetSelection.assets(*CATALOGUE_ASSETS),
    executor_def=dg.in_process_executor,
)

ALL_JOBS = [daily_star_schema_job, song_catalogue_job]
