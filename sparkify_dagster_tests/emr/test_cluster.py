"""The run's cluster lifecycle as plain code: what it does when a cluster cannot serve.

moto's clusters start at once and never fail, so these paths are driven by a client that
answers describe_cluster with given states.
"""

import pytest

from sparkify_dagster.emr.cluster import (
    ClusterSettings,
    EmrClusterError,
    check_attachable,
    wait_until_ready,
)
from sparkify_dagster.resources.emr import EmrClusterResource


class StatesClient:
    """describe_cluster answers the given statuses in turn, the last one from then on."""

    def __init__(self, *statuses: dict) -> None:
        self.statuses, self.calls = list(statuses), 0

    def describe_cluster(self, ClusterId: str) -> dict:
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        return {"Cluster": {"Id": ClusterId, "Status": status}}


def _settings(**overrides) -> ClusterSettings:
    resource = EmrClusterResource(poll_seconds=0, **overrides)
    return resource.cluster_settings()


def test_a_cluster_that_ends_while_starting_fails_with_its_reason_and_logs():
    emr = StatesClient(
        {"State": "STARTING"},
        {"State": "TERMINATED_WITH_ERRORS", "StateChangeReason": {"Message": "no capacity"}},
    )
    logged: list[str] = []
    with pytest.raises(
        EmrClusterError, match=r"j-1 ended while starting: no capacity\. Logs: s3://l/"
    ):
        wait_until_ready(emr, "j-1", _settings(log_uri="s3://l/"), logged.append)
    assert emr.calls == 2 and logged == []


def test_a_cluster_is_ready_once_it_waits_for_steps():
    emr = StatesClient({"State": "STARTING"}, {"State": "BOOTSTRAPPING"}, {"State": "WAITING"})
    logged: list[str] = []
    wait_until_ready(emr, "j-1", _settings(), logged.append)
    assert logged == ["EMR cluster j-1 is WAITING"]


def test_a_cluster_not_ready_in_time_fails_saying_so():
    with pytest.raises(EmrClusterError, match=r"j-1 not ready after 0.0 min \(state STARTING\)"):
        wait_until_ready(
            StatesClient({"State": "STARTING"}), "j-1", _settings(ready_timeout_minutes=0), print
        )


def test_an_attached_cluster_must_take_steps_now():
    check_attachable(StatesClient({"State": "RUNNING"}), "j-2")
    with pytest.raises(EmrClusterError, match=r"j-2 \(SPARKIFY_EMR_CLUSTER_ID\) is TERMINATED"):
        check_attachable(StatesClient({"State": "TERMINATED"}), "j-2")
