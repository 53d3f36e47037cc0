"""Clusters this platform started that outlived their run: too old, or idle too long.

Runs terminate their own clusters and EMR's idle policy ends the rest, but a killed
orchestrator, a policy set too long or a cluster started by hand with our tags can still
cost money; the terminate_stale_clusters job sweeps them on a schedule.
"""

from dataclasses import dataclass
from datetime import datetime

from sparkify_dagster.emr.tags import MANAGED_TAG, MANAGED_VALUE, RUN_ID_TAG, tag_dict

ACTIVE_STATES = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]


@dataclass(frozen=True)
class StaleCluster:
    cluster_id: str
    name: str
    state: str
    run_id: str
    age_hours: float
    reason: str


def find_stale_clusters(
    emr, now: datetime, max_age_hours: float, max_idle_hours: float
) -> list[StaleCluster]:
    """Active clusters tagged as ours that are older than max_age_hours, or WAITING (no step
    running) for longer than max_idle_hours since they were ready or their last step ended."""
    stale = []
    for page in emr.get_paginator("list_clusters").paginate(ClusterStates=ACTIVE_STATES):
        for summary in page["Clusters"]:
            cluster = emr.describe_cluster(ClusterId=summary["Id"])["Cluster"]
            tags = tag_dict(cluster)
            if tags.get(MANAGED_TAG) != MANAGED_VALUE:
                continue
            timeline = cluster["Status"]["Timeline"]
            age = (now - timeline["CreationDateTime"]).total_seconds() / 3600
            reason = None
            if age > max_age_hours:
                reason = f"running for {age:.1f} h (limit {max_age_hours:g} h)"
            elif cluster["Status"]["State"] == "WAITING":
                idle = (now - _last_activity(emr, cluster)).total_seconds() / 3600
                if idle > max_idle_hours:
                    reason = f"idle for {idle:.1f} h (limit {max_idle_hours:g} h)"
            if reason:
                stale.append(
                    StaleCluster(
                        cluster_id=cluster["Id"],
                        name=cluster["Name"],
                        state=cluster["Status"]["State"],
                        run_id=tags.get(RUN_ID_TAG, ""),
                        age_hours=round(age, 2),
                        reason=reason,
                    )
                )
    return stale


def _last_activity(emr, cluster: dict) -> datetime:
    timeline = cluster["Status"]["Timeline"]
    moments = [timeline.get("ReadyDateTime") or timeline["CreationDateTime"]]
    steps = emr.list_steps(ClusterId=cluster["Id"])["Steps"]  # newest first
    moments += [
        s["Status"]["Timeline"]["EndDateTime"]
        for s in steps[:10]
        if s["Status"].get("Timeline", {}).get("EndDateTime")
    ]
    return max(moments)


def terminate(emr, clusters: list[StaleCluster]) -> None:
    if clusters:
        emr.terminate_job_flows(JobFlowIds=[c.cluster_id for c in clusters])
