"""The one place assets, resources, jobs, schedules and sensors are wired, from a Settings.

`defs` is the code location `dagster dev` loads (see [tool.dagster] in pyproject.toml); the CLI,
the tests and the benchmarks call build_definitions with their own Settings.
"""

from collections.abc import Mapping

import dagster as dg

from sparkify_dagster.assets import ALL_ASSETS, clean_log_events
from sparkify_dagster.assets.stream import build_stream_assets
from sparkify_dagster.assets.warehouse import build_warehouse_assets
from sparkify_dagster.dbt_project import Warehouse, WarehouseUnavailable
from sparkify_dagster.jobs import ALL_JOBS
from sparkify_dagster.partitions import daily_partitions_for, day_deadline_for
from sparkify_dagster.resources.compute import SparkCompute
from sparkify_dagster.resources.from_settings import build_resources
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.schedules import build_schedules
from sparkify_dagster.sensors import build_sensors
from sparkify_dagster.sensors.raw_files import NEW_LOG_FILES
from sparkify_dagster.sensors.stream import build_stream_automation, stream_micro_batch_job
from sparkify_dagster.settings import Settings


def configured_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    """The assets with the configured daily partitions and deadline in place of the defaults
    they declare (partitions.daily_partitions, partitions.DAY_DEADLINE), and the dbt warehouse's
    models on the same partitions where DuckDB can read the lake (a local one). On an s3:// lake
    they are left out, so the daily runs do not all end failed: there the project runs with
    dbt-athena or dbt-spark (README: Warehouse, on AWS)."""
    partitions = daily_partitions_for(settings)
    deadline = day_deadline_for(settings)

    def configure(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.partitions_def is None:
            return spec
        return spec.replace_attributes(
            partitions_def=partitions,
            freshness_policy=deadline if spec.freshness_policy is not None else None,
        )

    assets = list(ALL_ASSETS)
    if settings.stream_servers:  # events from Kafka: the raw zone's clean step, not the files'
        assets = [a for a in assets if a is not clean_log_events] + build_stream_assets(settings)
    spark_assets = [asset.map_asset_specs(configure) for asset in assets]
    try:
        Warehouse.from_settings(settings)
    except WarehouseUnavailable:
        return spark_assets
    return [
        *spark_assets,
        build_warehouse_assets(partitions, dashboard_url=settings.dashboard_url),
    ]


def build_definitions(
    settings: Settings,
    *,
    lake: LakeResource | None = None,
    compute: SparkCompute | None = None,
    loggers: Mapping[str, dg.LoggerDefinition] | None = None,
) -> dg.Definitions:
    """Everything of the code location from `settings`; `lake` and `compute` replace the
    resources the settings would build (tests: a test Spark; the EMR tests: quick polls)."""
    resources = build_resources(settings)
    if lake is not None:
        resources["lake"] = lake
    if compute is not None:
        resources["compute"] = compute
    partitions = daily_partitions_for(settings)
    jobs, schedules = list(ALL_JOBS), build_schedules(settings, partitions)
    sensors = build_sensors(settings, partitions)
    if settings.stream_servers:  # no log files to watch: the stream's batches and their days
        schedule, sensor = build_stream_automation(settings, partitions)
        jobs.append(stream_micro_batch_job)
        schedules.append(schedule)
        sensors = [s for s in sensors if s.name != NEW_LOG_FILES] + [sensor]
    return dg.Definitions(
        assets=configured_assets(settings),
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources=resources,
        loggers=loggers,
        # Ad-hoc materializations from the UI also share one process (one SparkSession).
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
