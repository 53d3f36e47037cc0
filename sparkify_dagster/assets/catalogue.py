"""The song catalogue: song_data/ → `songs` and `artists` (full refresh; the catalogue is small).

The step also writes state/song_match_keys, what songplays are matched on: not an asset."""

import dataclasses

import dagster as dg

from sparkify_dagster import tables
from sparkify_dagster.assets.step_results import (
    check_specs,
    report_results,
    step_request,
    table_spec,
)
from sparkify_dagster.resources.compute import SparkCompute
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.steps.catalogue import SONG_CATALOGUE_STEP


@dg.multi_asset(
    name=SONG_CATALOGUE_STEP.name,
    specs=[
        table_spec(tables.SONGS),
        table_spec(tables.ARTISTS),
        table_spec(tables.QUARANTINED_SONG_RECORDS),
    ],
    check_specs=check_specs(SONG_CATALOGUE_STEP),
)
def song_catalogue(context: dg.AssetExecutionContext, compute: SparkCompute, lake: LakeResource):
    request = step_request(SONG_CATALOGUE_STEP, lake)
    # A lake fed by Kafka reads its songs from their own directory (Settings.song_source).
    request = dataclasses.replace(request, source_root=lake.songs_root)
    report = compute.run(context, request)
    yield from report_results(context, report)
