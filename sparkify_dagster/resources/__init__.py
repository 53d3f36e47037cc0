"""Resources, configured from environment variables so no code is edited per environment.

SPARKIFY_ENV chooses where the Spark steps run: `local` (default: this process, local Spark)
or `emr` (EMR steps on a cluster per run; README: Running on AWS).
"""

import os

import dagster as dg
from dagster_aws.s3 import S3Resource

from sparkify_dagster.lake_lock import DEFAULT_TIMEOUT_MINUTES
from sparkify_dagster.resources.compute import LocalSparkCompute, SparkCompute
from sparkify_dagster.resources.emr import EmrClusterResource, EmrSparkCompute
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.resources.spark import SparkResource

__all__ = [
    "EmrClusterResource",
    "EmrSparkCompute",
    "LakeResource",
    "LocalSparkCompute",
    "SparkCompute",
    "SparkResource",
    "build_resources",
    "execution_env",
]

ENVIRONMENTS = ("local", "emr")


def _setting(name: str, default):
    """An env var when it is set (shown as such in the UI), otherwise the local default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def _int_setting(name: str, default: int):
    return dg.EnvVar.int(name) if os.environ.get(name) else default


def execution_env() -> str:
    env = os.environ.get("SPARKIFY_ENV", "local").strip().lower() or "local"
    if env not in ENVIRONMENTS:
        raise ValueError(f"SPARKIFY_ENV={env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    return env


def emr_cluster() -> EmrClusterResource:
    return EmrClusterResource(
        region_name=_setting("SPARKIFY_AWS_REGION", None),
        cluster_id=_setting("SPARKIFY_EMR_CLUSTER_ID", None),
        release_label=_setting("SPARKIFY_EMR_RELEASE_LABEL", "emr-spark-8.0.0"),
        master_instance_type=_setting("SPARKIFY_EMR_MASTER_INSTANCE_TYPE", "m5.xlarge"),
        core_instance_type=_setting("SPARKIFY_EMR_CORE_INSTANCE_TYPE", "m5.xlarge"),
        core_instance_count=_int_setting("SPARKIFY_EMR_CORE_INSTANCE_COUNT", 2),
        ec2_subnet_id=_setting("SPARKIFY_EMR_SUBNET_ID", None),
        job_flow_role=_setting("SPARKIFY_EMR_JOB_FLOW_ROLE", "EMR_EC2_DefaultRole"),
        service_role=_setting("SPARKIFY_EMR_SERVICE_ROLE", "EMR_DefaultRole"),
        log_uri=_setting("SPARKIFY_EMR_LOG_URI", None),
        idle_timeout_minutes=_int_setting("SPARKIFY_EMR_IDLE_TIMEOUT_MINUTES", 60),
    )


def build_resources() -> dict[str, dg.ConfigurableResource]:
    """Every path, the Spark master and the EMR settings come from env vars.

    `s3` lists an s3:// source for the sensors: credentials come from the default AWS chain,
    SPARKIFY_S3_ENDPOINT_URL points it at another S3 API (a moto server in tests).
    """
    spark = SparkResource(
        master=_setting("SPARKIFY_SPARK_MASTER", "local[*]"),
        driver_memory=_setting("SPARKIFY_SPARK_DRIVER_MEMORY", "4g"),
    )
    lock_wait = _int_setting("SPARKIFY_LAKE_LOCK_TIMEOUT_MINUTES", DEFAULT_TIMEOUT_MINUTES)
    if execution_env() == "emr":
        compute: SparkCompute = EmrSparkCompute(
            lake_lock_timeout_minutes=lock_wait,
            cluster=emr_cluster(),
            artifacts_uri=dg.EnvVar("SPARKIFY_EMR_ARTIFACTS_URI"),
            python=_setting("SPARKIFY_EMR_PYTHON", "python3.11"),
            step_timeout_minutes=_int_setting("SPARKIFY_EMR_STEP_TIMEOUT_MINUTES", 120),
        )
    else:
        compute = LocalSparkCompute(spark=spark, lake_lock_timeout_minutes=lock_wait)
    return {
        "lake": LakeResource(
            source_root=_setting("SPARKIFY_SOURCE", "data/raw"),
            lake_root=_setting("SPARKIFY_LAKE", "data/lake"),
        ),
        "compute": compute,
        "emr_cluster": emr_cluster(),
        "s3": S3Resource(endpoint_url=_setting("SPARKIFY_S3_ENDPOINT_URL", None)),
    }
