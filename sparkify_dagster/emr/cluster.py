"""A run's EMR cluster: created for the run and waited for until it takes steps, or attached to;
terminated by whoever created it. Plain code on a boto3 EMR client: the Dagster resource
(sparkify_dagster.resources.emr) holds the settings and which cluster the run created.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from sparkify_dagster.emr.tags import MANAGED_TAG, MANAGED_VALUE, RUN_ID_TAG
from sparkify_dagster.settings import EMR_CLUSTER_ID, EMR_LOG_URI

READY_STATES = ("WAITING", "RUNNING")
ENDED_STATES = ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS")

Log = Callable[[str], None]


class EmrClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class ClusterSettings:
    """What a created cluster is made of, and how long to wait for it (EmrClusterResource's
    fields, whose defaults and descriptions are the reference)."""

    name: str
    release_label: str
    master_instance_type: str
    core_instance_type: str
    core_instance_count: int
    ec2_subnet_id: str | None
    job_flow_role: str
    service_role: str
    log_uri: str | None
    idle_timeout_minutes: int
    ready_timeout_minutes: float
    poll_seconds: float
    tags: dict[str, str]


def job_flow_params(settings: ClusterSettings, run_id: str, bootstrap_actions: list[dict]) -> dict:
    """run_job_flow's arguments: the cluster tagged as ours and with the run's id."""
    instances = {
        "InstanceGroups": [
            {
                "Name": "master",
                "Market": "ON_DEMAND",
                "InstanceRole": "MASTER",
                "InstanceType": settings.master_instance_type,
                "InstanceCount": 1,
            },
            {
                "Name": "core",
                "Market": "ON_DEMAND",
                "InstanceRole": "CORE",
                "InstanceType": settings.core_instance_type,
                "InstanceCount": settings.core_instance_count,
            },
        ],
        # Alive between the run's steps; the teardown (or the idle policy) ends it.
        "KeepJobFlowAliveWhenNoSteps": True,
        "TerminationProtected": False,
    }
    if settings.ec2_subnet_id:
        instances["Ec2SubnetId"] = settings.ec2_subnet_id
    tags = {**settings.tags, MANAGED_TAG: MANAGED_VALUE, RUN_ID_TAG: run_id}
    params = {
        "Name": f"{settings.name} {run_id[:8]}".strip(),
        "ReleaseLabel": settings.release_label,
        "Applications": [{"Name": "Spark"}],
        "Instances": instances,
        "BootstrapActions": bootstrap_actions,
        "JobFlowRole": settings.job_flow_role,
        "ServiceRole": settings.service_role,
        "VisibleToAllUsers": True,
        "StepConcurrencyLevel": 1,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        "AutoTerminationPolicy": {"IdleTimeout": max(60, settings.idle_timeout_minutes * 60)},
    }
    if settings.log_uri:
        params["LogUri"] = settings.log_uri
    return params


def cluster_state(emr, cluster_id: str) -> str:
    return emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]


def check_attachable(emr, cluster_id: str) -> None:
    """An attached cluster (settings.EMR_CLUSTER_ID) must be able to take steps now."""
    state = cluster_state(emr, cluster_id)
    if state not in READY_STATES:
        raise EmrClusterError(
            f"EMR cluster {cluster_id} ({EMR_CLUSTER_ID.name}) is {state}: it "
            "cannot take steps. Attach to a WAITING or RUNNING cluster, or unset it."
        )


def create_cluster(
    emr, settings: ClusterSettings, run_id: str, bootstrap_actions: list[dict], log: Log
) -> str:
    """Starts the run's cluster and returns its id at once: the caller records it before
    waiting for it (wait_until_ready), so a failed wait still ends it."""
    response = emr.run_job_flow(**job_flow_params(settings, run_id, bootstrap_actions))
    cluster_id = response["JobFlowId"]
    log(
        f"Created EMR cluster {cluster_id} ({settings.core_instance_count} x "
        f"{settings.core_instance_type}, {settings.release_label}); waiting for it to be ready"
    )
    return cluster_id


def wait_until_ready(emr, cluster_id: str, settings: ClusterSettings, log: Log) -> None:
    """Polls until the cluster takes steps; EmrClusterError if it ends or takes too long."""
    deadline = time.monotonic() + settings.ready_timeout_minutes * 60
    while True:
        status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
        if status["State"] in READY_STATES:
            log(f"EMR cluster {cluster_id} is {status['State']}")
            return
        if status["State"] in ENDED_STATES:
            reason = (status.get("StateChangeReason") or {}).get("Message", "no reason given")
            raise EmrClusterError(
                f"EMR cluster {cluster_id} ended while starting: {reason}. "
                f"Logs: {settings.log_uri or f'no log URI configured ({EMR_LOG_URI.name})'}"
            )
        if time.monotonic() > deadline:
            raise EmrClusterError(
                f"EMR cluster {cluster_id} not ready after {settings.ready_timeout_minutes} min "
                f"(state {status['State']}); it will be terminated."
            )
        time.sleep(settings.poll_seconds)


def terminate_cluster(emr, cluster_id: str, log: Log) -> None:
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    log(f"Terminated EMR cluster {cluster_id}")
