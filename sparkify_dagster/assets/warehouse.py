"""The dbt warehouse as Dagster assets (dagster-dbt): every model one asset, every dbt test a
check on its model, the lake's tables their sources, all built by one `dbt build` per run.

The models share the star tables' daily partitions: a run (or a single-run backfill of a range)
passes its days to dbt as its event-time window, so day-grained models rebuild exactly those
days; whole-history models are rebuilt in every run.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg

from sparkify_dagster.dashboard import page_url
from sparkify_dagster.partitions import daily_partitions, partition_days
from sparkify_dagster.resources.warehouse import (
    DagsterDbtTranslator,
    DbtCliResource,
    DbtProject,
    WarehouseResource,
    dbt_assets,
    warehouse_project,
)
from sparkify_dagster.settings import DASHBOARD_URL

WAREHOUSE_ASSETS_NAME = "warehouse"
WAREHOUSE_POOL = "sparkify_warehouse"
MARTS_GROUP = "marts"
DASHBOARD_METADATA_KEY = "dashboard"


class WarehouseTranslator(DagsterDbtTranslator):
    """Models keyed by their name (the lake's tables by their own names, sources.yml's
    `meta.dagster.asset_key`), grouped by their folder under models/ (staging, production,
    marts). dagster-dbt's defaults do the rest: descriptions and columns from the schema files,
    tests as checks, blocking where their severity is error. Each mart links to the dashboard
    page that shows it (metadata `dashboard`)."""

    def __init__(self, dashboard_url: str = DASHBOARD_URL.default) -> None:
        super().__init__()
        self.dashboard_url = dashboard_url

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = super().get_metadata(dbt_resource_props)
        if self.get_group_name(dbt_resource_props) != MARTS_GROUP:
            return metadata
        url = page_url(self.dashboard_url, dbt_resource_props["name"])
        return {**metadata, DASHBOARD_METADATA_KEY: dg.MetadataValue.url(url)}

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        # fqn: [project, folder, ..., name]; a model at the top of models/ has no folder.
        return fqn[1] if len(fqn) > 2 else WAREHOUSE_ASSETS_NAME


def build_warehouse_assets(
    partitions_def: dg.PartitionsDefinition = daily_partitions,
    project: DbtProject | None = None,
    dashboard_url: str = DASHBOARD_URL.default,
) -> dg.AssetsDefinition:
    """The dbt models over `partitions_def` (the configured daily partitions); the marts link
    to the dashboard at `dashboard_url`."""
    project = project or warehouse_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=WAREHOUSE_ASSETS_NAME,
        dagster_dbt_translator=WarehouseTranslator(dashboard_url),
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        # One build at a time writes the DuckDB file: concurrent runs of one instance queue
        # here in the UI instead of waiting on the lake lock (which guards it in any case).
        pool=WAREHOUSE_POOL,
    )
    def dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ):
        yield from warehouse.build(context, dbt, partition_days(context))

    return dbt_models
