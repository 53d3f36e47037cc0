"""The resources of a deployment, built from its Settings: one definition per environment
(Settings.env: local Spark or EMR), which the code location, the CLI, the tests and the
benchmarks all use (definitions.build_definitions)."""

import dagster as dg
from dagster_aws.s3 import S3Resource

from sparkify_dagster.resources.compute import LocalSparkCompute, SparkCompute
from sparkify_dagster.resources.emr import EmrClusterResource, EmrSparkCompute
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.resources.spark import SparkResource
from sparkify_dagster.resources.warehouse import WarehouseResource, dbt_cli, warehouse_project
from sparkify_dagster.settings import EMR_ARTIFACTS_URI, Settings


def emr_cluster(settings: Settings) -> EmrClusterResource:
    return EmrClusterResource(
        region_name=settings.aws_region,
        cluster_id=settings.emr_cluster_id,
        release_label=settings.emr_release_label,
        master_instance_type=settings.emr_master_instance_type,
        core_instance_type=settings.emr_core_instance_type,
        core_instance_count=settings.emr_core_instance_count,
        ec2_subnet_id=settings.emr_subnet_id,
        job_flow_role=settings.emr_job_flow_role,
        service_role=settings.emr_service_role,
        log_uri=settings.emr_log_uri,
        idle_timeout_minutes=settings.emr_idle_timeout_minutes,
    )


def build_compute(settings: Settings) -> SparkCompute:
    """Where the steps run: this process (local Spark) or EMR, as Settings.env says."""
    if settings.env == "emr":
        return EmrSparkCompute(
            lake_lock_timeout_minutes=settings.lake_lock_timeout_minutes,
            cluster=emr_cluster(settings),
            # Unset, the code location still loads (a run then fails naming the variable).
            artifacts_uri=settings.emr_artifacts_uri or dg.EnvVar(EMR_ARTIFACTS_URI.name),
            python=settings.emr_python,
            step_timeout_minutes=settings.emr_step_timeout_minutes,
        )
    return LocalSparkCompute(
        spark=SparkResource.from_settings(settings),
        lake_lock_timeout_minutes=settings.lake_lock_timeout_minutes,
    )


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """Every path, the Spark master and the EMR settings, from the Settings.

    `s3` lists an s3:// source for the sensors: credentials come from the default AWS chain,
    Settings.s3_endpoint_url points it at another S3 API (a moto server in tests). `dbt` runs
    the warehouse's dbt project, `warehouse` says where it is built (Settings.warehouse).
    """
    return {
        "lake": LakeResource(
            source_root=settings.source,
            lake_root=settings.lake,
            song_source_root=settings.song_source,
        ),
        "dbt": dbt_cli(warehouse_project()),
        "warehouse": WarehouseResource(
            lake_root=settings.lake,
            warehouse_file=settings.warehouse,
            lake_lock_timeout_minutes=settings.lake_lock_timeout_minutes,
        ),
        "compute": build_compute(settings),
        "emr_cluster": emr_cluster(settings),
        "s3": S3Resource(endpoint_url=settings.s3_endpoint_url),
    }
