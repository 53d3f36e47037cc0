"""Jobs: the daily star-schema job (partitioned), the song catalogue refresh, and the sweeper
of stale EMR clusters."""

from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from sparkify_dagster.assets import CATALOGUE_ASSETS
from sparkify_dagster.assets.stream import STREAM_KIND
from sparkify_dagster.emr.stale_clusters import find_stale_clusters, terminate
from sparkify_dagster.resources.emr import EmrClusterResource

# Every asset of a run in one process, so the run starts one SparkSession, not one per asset.
# The dbt warehouse's models (kind dbt) are built after the star tables they read, in the same run.
daily_star_schema_job = dg.define_asset_job(
    name="daily_star_schema",
    description="One UTC day (or a range, as one run): clean events, time, users, songplays, "
    "then the dbt warehouse.",
    # Everything but the song catalogue and a Kafka lake's micro-batch (the raw tables): so the
    # same job runs a lake's clean step, whether it reads log files or the raw zone.
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(*CATALOGUE_ASSETS)
    - dg.AssetSelection.kind(STREAM_KIND),
    executor_def=dg.in_process_executor,
)

song_catalogue_job = dg.define_asset_job(
    name="song_catalogue_refresh",
    description="Re-read song_data/ into songs and artists.",
    selection=dg.AssetSelection.assets(*CATALOGUE_ASSETS),
    executor_def=dg.in_process_executor,
)


class StaleClustersConfig(dg.Config):
    max_age_hours: float = Field(default=12, description="Terminate clusters older than this.")
    max_idle_hours: float = Field(
        default=2, description="Terminate WAITING clusters idle (no step) for longer than this."
    )
    dry_run: bool = Field(default=False, description="Only report what would be terminated.")


@dg.op(description="Terminates EMR clusters tagged by this platform that are too old or idle.")
def terminate_stale_emr_clusters(
    context: dg.OpExecutionContext, config: StaleClustersConfig, emr_cluster: EmrClusterResource
) -> dg.Output[int]:
    emr = emr_cluster.client()
    stale = find_stale_clusters(emr, datetime.now(UTC), config.max_age_hours, config.max_idle_hours)
    for cluster in stale:
        context.log.warning(
            f"{'Would terminate' if config.dry_run else 'Terminating'} EMR cluster "
            f"{cluster.cluster_id} ({cluster.name}, {cluster.state}, run {cluster.run_id or '?'}): "
            f"{cluster.reason}"
        )
    if not config.dry_run:
        terminate(emr, stale)
    if not stale:
        context.log.info("No stale EMR cluster")
    return dg.Output(
        0 if config.dry_run else len(stale),
        metadata={
            "stale_clusters": dg.MetadataValue.json(
                [{"id": c.cluster_id, "name": c.name, "reason": c.reason} for c in stale]
            ),
            "dry_run": config.dry_run,
        },
    )


@dg.job(description="Sweeps EMR clusters this platform started and no run ended (too old or idle).")
def terminate_stale_clusters():
    terminate_stale_emr_clusters()


ALL_JOBS = [daily_star_schema_job, song_catalogue_job, terminate_stale_clusters]
