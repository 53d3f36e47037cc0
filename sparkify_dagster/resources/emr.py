"""EMR as Dagster resources: a cluster per run (or an attached one) and steps run on it.

The cluster is created on the first step of a run, not before (a run with nothing to compute
costs nothing), tagged with the run id, and terminated when the run ends: on success, on
failure and on cancellation (resource teardown runs in all three). An idle AutoTerminationPolicy
is the last line of defence should the orchestrator itself die, and the terminate_stale_clusters
job sweeps whatever is left. Credentials come from the default AWS chain, never from config.
"""

import time

import boto3
import dagster as dg
from pydantic import Field, PrivateAttr

from sparkify_dagster.emr.packaging import CodePackage, PublishedCode, publish
from sparkify_dagster.emr.step_client import StepSettings, run_pipes_step
from sparkify_dagster.emr.tags import MANAGED_TAG, MANAGED_VALUE, RUN_ID_TAG
from sparkify_dagster.resources.compute import SparkCompute
from sparkify_dagster.settings import (
    EMR_CLUSTER_ID,
    EMR_CORE_INSTANCE_COUNT,
    EMR_CORE_INSTANCE_TYPE,
    EMR_IDLE_TIMEOUT_MINUTES,
    EMR_JOB_FLOW_ROLE,
    EMR_LOG_URI,
    EMR_MASTER_INSTANCE_TYPE,
    EMR_PYTHON,
    EMR_RELEASE_LABEL,
    EMR_SERVICE_ROLE,
    EMR_STEP_TIMEOUT_MINUTES,
)
from sparkify_dagster.steps import StepReport, StepRequest

READY_STATES = ("WAITING", "RUNNING")
ENDED_STATES = ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS")


class EmrClusterError(RuntimeError):
    pass


class EmrClusterResource(dg.ConfigurableResource):
    """The run's EMR cluster: created for the run and always terminated, or attached to."""

    region_name: str | None = Field(default=None, description="AWS region (default chain).")
    cluster_id: str | None = Field(
        default=None,
        description="Attach to this running cluster instead of creating one; never terminated.",
    )
    name: str = Field(default="sparkify", description="Cluster name prefix.")
    release_label: str = Field(
        default=EMR_RELEASE_LABEL.default,
        description="EMR release: Spark 4 (emr-spark-8.0.0 ships 4.0.2).",
    )
    master_instance_type: str = EMR_MASTER_INSTANCE_TYPE.default
    core_instance_type: str = EMR_CORE_INSTANCE_TYPE.default
    core_instance_count: int = Field(
        default=EMR_CORE_INSTANCE_COUNT.default, description="Core (worker) nodes."
    )
    ec2_subnet_id: str | None = Field(default=None, description="Subnet (default VPC if unset).")
    job_flow_role: str = Field(
        default=EMR_JOB_FLOW_ROLE.default, description="EC2 instance profile."
    )
    service_role: str = Field(default=EMR_SERVICE_ROLE.default, description="EMR service role.")
    log_uri: str | None = Field(default=None, description="s3:// URI for cluster and step logs.")
    idle_timeout_minutes: int = Field(
        default=EMR_IDLE_TIMEOUT_MINUTES.default,
        description="AutoTerminationPolicy: EMR ends the cluster after this idle time.",
    )
    ready_timeout_minutes: float = Field(default=45, description="Wait this long for WAITING.")
    poll_seconds: float = Field(default=20, description="Seconds between status calls.")
    tags: dict[str, str] = Field(default_factory=dict, description="Extra cluster tags.")

    _created_cluster_id: str | None = PrivateAttr(default=None)
    _run_id: str = PrivateAttr(default="")
    _log = PrivateAttr(default=None)
    _client = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id = context.run.run_id if context.run else ""
        self._log = context.log

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.terminate_created_cluster()

    def client(self):
        """One EMR client per run (each status poll would otherwise build a new one)."""
        if self._client is None:
            self._client = boto3.client("emr", region_name=self.region_name)
        return self._client

    def ensure_cluster(self, bootstrap_actions: list[dict]) -> str:
        """The id of a cluster ready for steps: the attached one, or the run's own."""
        if self.cluster_id:
            state = self._state(self.cluster_id)
            if state not in READY_STATES:
                raise EmrClusterError(
                    f"EMR cluster {self.cluster_id} ({EMR_CLUSTER_ID.name}) is {state}: it "
                    "cannot take steps. Attach to a WAITING or RUNNING cluster, or unset it."
                )
            return self.cluster_id
        if self._created_cluster_id:
            return self._created_cluster_id
        response = self.client().run_job_flow(**self.job_flow_params(bootstrap_actions))
        self._created_cluster_id = response["JobFlowId"]
        self._info(
            f"Created EMR cluster {self._created_cluster_id} ({self.core_instance_count} x "
            f"{self.core_instance_type}, {self.release_label}); waiting for it to be ready"
        )
        self._wait_until_ready(self._created_cluster_id)
        return self._created_cluster_id

    def job_flow_params(self, bootstrap_actions: list[dict]) -> dict:
        instances = {
            "InstanceGroups": [
                {
                    "Name": "master",
                    "Market": "ON_DEMAND",
                    "InstanceRole": "MASTER",
                    "InstanceType": self.master_instance_type,
                    "InstanceCount": 1,
                },
                {
                    "Name": "core",
                    "Market": "ON_DEMAND",
                    "InstanceRole": "CORE",
                    "InstanceType": self.core_instance_type,
                    "InstanceCount": self.core_instance_count,
                },
            ],
            # Alive between the run's steps; the teardown (or the idle policy) ends it.
            "KeepJobFlowAliveWhenNoSteps": True,
            "TerminationProtected": False,
        }
        if self.ec2_subnet_id:
            instances["Ec2SubnetId"] = self.ec2_subnet_id
        tags = {**self.tags, MANAGED_TAG: MANAGED_VALUE, RUN_ID_TAG: self._run_id}
        params = {
            "Name": f"{self.name} {self._run_id[:8]}".strip(),
            "ReleaseLabel": self.release_label,
            "Applications": [{"Name": "Spark"}],
            "Instances": instances,
            "BootstrapActions": bootstrap_actions,
            "JobFlowRole": self.job_flow_role,
            "ServiceRole": self.service_role,
            "VisibleToAllUsers": True,
            "StepConcurrencyLevel": 1,
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            "AutoTerminationPolicy": {"IdleTimeout": max(60, self.idle_timeout_minutes * 60)},
        }
        if self.log_uri:
            params["LogUri"] = self.log_uri
        return params

    def terminate_created_cluster(self) -> None:
        """Terminate the cluster this resource created (an attached one is left alone)."""
        cluster_id, self._created_cluster_id = self._created_cluster_id, None
        if cluster_id:
            self.client().terminate_job_flows(JobFlowIds=[cluster_id])
            self._info(f"Terminated EMR cluster {cluster_id}")

    def _state(self, cluster_id: str) -> str:
        return self.client().describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]

    def _wait_until_ready(self, cluster_id: str) -> None:
        deadline = time.monotonic() + self.ready_timeout_minutes * 60
        while True:
            status = self.client().describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
            if status["State"] in READY_STATES:
                self._info(f"EMR cluster {cluster_id} is {status['State']}")
                return
            if status["State"] in ENDED_STATES:
                reason = (status.get("StateChangeReason") or {}).get("Message", "no reason given")
                raise EmrClusterError(
                    f"EMR cluster {cluster_id} ended while starting: {reason}. "
                    f"Logs: {self.log_uri or f'no log URI configured ({EMR_LOG_URI.name})'}"
                )
            if time.monotonic() > deadline:
                raise EmrClusterError(
                    f"EMR cluster {cluster_id} not ready after {self.ready_timeout_minutes} min "
                    f"(state {status['State']}); it will be terminated."
                )
            time.sleep(self.poll_seconds)

    def _info(self, message: str) -> None:
        if self._log is not None:
            self._log.info(message)


class EmrSparkCompute(SparkCompute):
    """Each step as an EMR step (spark-submit) on the run's cluster, through Dagster Pipes."""

    cluster: EmrClusterResource
    artifacts_uri: str = Field(
        description="s3://bucket/prefix for the code package and the Pipes messages."
    )
    python: str = Field(default=EMR_PYTHON.default, description="The Python steps run with.")
    step_timeout_minutes: float = Field(
        default=EMR_STEP_TIMEOUT_MINUTES.default, description="Cancel a step after this."
    )
    poll_seconds: float = Field(default=15, description="Seconds between step status calls.")
    spark_submit_args: list[str] = Field(
        default_factory=list, description="Extra spark-submit arguments (e.g. --conf k=v)."
    )

    _code: PublishedCode | None = PrivateAttr(default=None)
    _s3 = PrivateAttr(default=None)

    def run(self, context: dg.AssetExecutionContext, request: StepRequest) -> StepReport:
        for root in (request.source_root, request.lake_root):
            if not root.startswith("s3://"):
                context.log.warning(
                    f"{root!r} is not an s3:// URL: the EMR step reads it on the cluster's disks."
                )
        if self._s3 is None:
            self._s3 = boto3.client("s3", region_name=self.cluster.region_name)
        s3 = self._s3
        code = self.published_code(s3)
        cluster_id = self.cluster.ensure_cluster([code.bootstrap_action])
        # The step on the cluster reads and writes the lake; this process holds it meanwhile.
        with self.holding_lake(context, request, s3_client=s3):
            return run_pipes_step(
                context,
                emr=self.cluster.client(),
                s3=s3,
                cluster_id=cluster_id,
                request=request,
                code=code,
                messages_uri=self.artifacts_uri,
                settings=StepSettings(
                    python=self.python,
                    spark_submit_args=tuple(self.spark_submit_args),
                    timeout_s=self.step_timeout_minutes * 60,
                    poll_s=self.poll_seconds,
                    log_uri=self.cluster.log_uri,
                ),
            )

    def published_code(self, s3) -> PublishedCode:
        """The package on S3 under its content hash; uploaded at most once per run."""
        if self._code is None:
            self._code = publish(s3, self.artifacts_uri, CodePackage.build(self.python))
        return self._code
