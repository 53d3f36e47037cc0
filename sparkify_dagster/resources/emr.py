"""EMR as Dagster resources: a cluster per run (or an attached one) and steps run on it.

The cluster is created on the first step of a run, not before (a run with nothing to compute
costs nothing), tagged with the run id, and terminated when the run ends: on success, on
failure and on cancellation (resource teardown runs in all three). An idle AutoTerminationPolicy
is the last line of defence should the orchestrator itself die, and the terminate_stale_clusters
job sweeps whatever is left. Credentials come from the default AWS chain, never from config.
"""

from dataclasses import fields

import boto3
import dagster as dg
from pydantic import Field, PrivateAttr

from sparkify_dagster.emr.cluster import (
    ClusterSettings,
    check_attachable,
    create_cluster,
    job_flow_params,
    terminate_cluster,
    wait_until_ready,
)
from sparkify_dagster.emr.packaging import CodePackage, PublishedCode, publish
from sparkify_dagster.emr.step_client import StepSettings, run_pipes_step
from sparkify_dagster.resources.compute import SparkCompute
from sparkify_dagster.settings import (
    EMR_CORE_INSTANCE_COUNT,
    EMR_CORE_INSTANCE_TYPE,
    EMR_IDLE_TIMEOUT_MINUTES,
    EMR_JOB_FLOW_ROLE,
    EMR_MASTER_INSTANCE_TYPE,
    EMR_PYTHON,
    EMR_RELEASE_LABEL,
    EMR_SERVICE_ROLE,
    EMR_STEP_TIMEOUT_MINUTES,
)
from sparkify_dagster.steps import StepReport, StepRequest


class EmrClusterResource(dg.ConfigurableResource):
    """The run's EMR cluster: created for the run and always terminated, or attached to
    (the work itself: sparkify_dagster.emr.cluster)."""

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

    def cluster_settings(self) -> ClusterSettings:
        return ClusterSettings(**{f.name: getattr(self, f.name) for f in fields(ClusterSettings)})

    def ensure_cluster(self, bootstrap_actions: list[dict]) -> str:
        """The id of a cluster ready for steps: the attached one, or the run's own."""
        if self.cluster_id:
            check_attachable(self.client(), self.cluster_id)
            return self.cluster_id
        if not self._created_cluster_id:
            settings = self.cluster_settings()
            self._created_cluster_id = create_cluster(
                self.client(), settings, self._run_id, bootstrap_actions, self._info
            )
            wait_until_ready(self.client(), self._created_cluster_id, settings, self._info)
        return self._created_cluster_id

    def job_flow_params(self, bootstrap_actions: list[dict]) -> dict:
        return job_flow_params(self.cluster_settings(), self._run_id, bootstrap_actions)

    def terminate_created_cluster(self) -> None:
        """Terminate the cluster this resource created (an attached one is left alone)."""
        cluster_id, self._created_cluster_id = self._created_cluster_id, None
        if cluster_id:
            terminate_cluster(self.client(), cluster_id, self._info)

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
