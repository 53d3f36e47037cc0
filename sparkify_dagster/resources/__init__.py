"""Resources, configured from environment variables so no code is edited per environment."""

import os

import dagster as dg
from dagster_aws.s3 import S3Resource

from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.resources.spark import SparkResource

__all__ = ["LakeResource", "SparkResource", "build_resources"]


def _setting(name: str, default: str | None) -> str | dg.EnvVar | None:
    """An env var when it is set (shown as such in the UI), otherwise the local default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def build_resources() -> dict[str, dg.ConfigurableResource]:
    """Local Spark and a local lake; every path and the Spark master come from env vars.

    `s3` lists an s3:// source for the sensors: credentials come from the default AWS chain,
    SPARKIFY_S3_ENDPOINT_URL points it at another S3 API (a moto server in tests).
    """
    return {
        "lake": LakeResource(
            source_root=_setting("SPARKIFY_SOURCE", "data/raw"),
            lake_root=_setting("SPARKIFY_LAKE", "data/lake"),
        ),
        "spark": SparkResource(
            master=_setting("SPARKIFY_SPARK_MASTER", "local[*]"),
            driver_memory=_setting("SPARKIFY_SPARK_DRIVER_MEMORY", "4g"),
        ),
        "s3": S3Resource(endpoint_url=_setting("SPARKIFY_S3_ENDPOINT_URL", None)),
    }
