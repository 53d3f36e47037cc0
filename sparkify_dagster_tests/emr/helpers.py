"""Helpers of the EMR tests: quick EMR compute, runs through it, clusters started by hand."""

import sys
from datetime import date
from pathlib import Path

import boto3
import dagster as dg

from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.resources.emr import EmrClusterResource, EmrSparkCompute
from sparkify_dagster.settings import Settings
from sparkify_dagster_tests.helpers import DBT_KIND, quick_submit_jvm

DAY = date(2018, 11, 6)


def emr_compute(
    artifacts_uri: str, step_timeout_minutes: float = 10, **cluster_settings
) -> EmrSparkCompute:
    """The EMR compute as SPARKIFY_ENV=emr builds it, with quick polls and a small driver."""
    bucket = artifacts_uri.removeprefix("s3://").split("/")[0]
    return EmrSparkCompute(
        cluster=EmrClusterResource(
            poll_seconds=0.2, log_uri=f"s3://{bucket}/emr-logs", **cluster_settings
        ),
        artifacts_uri=artifacts_uri,
        python=sys.executable,
        poll_seconds=0.3,
        step_timeout_minutes=step_timeout_minutes,
        spark_submit_args=[
            *("--driver-memory", "1g", "--conf", "spark.sql.shuffle.partitions=2"),
            *("--conf", f"spark.driver.extraJavaOptions=-Duser.timezone=UTC {quick_submit_jvm()}"),
            *(
                "--conf",
                f"spark.executor.extraJavaOptions=-Duser.timezone=UTC {quick_submit_jvm()}",
            ),
            *("--conf", "spark.ui.enabled=false"),
        ],
    )


def run_on_emr(
    compute: EmrSparkCompute,
    source: Path,
    lake: Path,
    assets=None,
    selection=None,
    day: date | None = DAY,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    tags = {}
    if day is not None:
        tags = {
            "dagster/asset_partition_range_start": day.isoformat(),
            "dagster/asset_partition_range_end": day.isoformat(),
        }
    defs = build_definitions(Settings(source=str(source), lake=str(lake)), compute=compute)
    return dg.materialize(
        defs.assets if assets is None else assets,
        # The Spark steps; the dbt warehouse is built by the orchestrator, never on EMR.
        selection=selection or dg.AssetSelection.all() - dg.AssetSelection.kind(DBT_KIND),
        instance=instance,
        resources=defs.resources,
        tags=tags,
        raise_on_error=False,
    )


def run_log_messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Every log message of a run, as the Dagster UI shows them."""
    return [entry.user_message for entry in instance.all_logs(run_id)]


def start_cluster(name: str, tags: dict[str, str] | None = None, with_step: bool = False) -> str:
    """A cluster started outside the platform (moto: WAITING, or RUNNING once it has a step)."""
    emr = boto3.client("emr")
    cluster_id = emr.run_job_flow(
        Name=name,
        ReleaseLabel="emr-spark-8.0.0",
        Instances={
            "MasterInstanceType": "m5.xlarge",
            "SlaveInstanceType": "m5.xlarge",
            "InstanceCount": 1,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )["JobFlowId"]
    if with_step:
        emr.add_job_flow_steps(
            JobFlowId=cluster_id,
            Steps=[
                {
                    "Name": "busy",
                    "ActionOnFailure": "CONTINUE",
                    "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]},
                }
            ],
        )
    return cluster_id
