"""An EMR step as a Dagster Pipes session on an existing cluster.

dagster-aws's PipesEMRClient creates a cluster per call and waits with botocore's 30-minute
waiters; here a step is added to the run's cluster (add_job_flow_steps) and polled with our own
timeout. The request travels in the Pipes context (S3), logs and the StepReport come back as
Pipes messages (S3). A failed step fails the asset with EMR's reason and where its logs are.
"""

import time
from dataclasses import dataclass

import dagster as dg
from dagster_aws.pipes import PipesS3ContextInjector, PipesS3MessageReader

from sparkify_dagster.emr.packaging import PublishedCode
from sparkify_dagster.filesystems import split_s3_url
from sparkify_dagster.settings import EMR_LOG_URI, EMR_STEP_TIMEOUT_MINUTES
from sparkify_dagster.steps import StepReport, StepRequest

FINISHED_STATES = ("COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED")


class EmrStepFailed(RuntimeError):
    """An EMR step ended in another state than COMPLETED, or did not end in time."""


@dataclass(frozen=True)
class StepSettings:
    python: str
    spark_submit_args: tuple[str, ...]
    timeout_s: float
    poll_s: float
    log_uri: str | None


def step_log_location(log_uri: str | None, cluster_id: str, step_id: str) -> str:
    if not log_uri:
        return f"no log URI configured ({EMR_LOG_URI.name}); see the step in the EMR console"
    return f"{log_uri.rstrip('/')}/{cluster_id}/steps/{step_id}/"


def run_pipes_step(
    context: dg.AssetExecutionContext,
    *,
    emr,
    s3,
    cluster_id: str,
    request: StepRequest,
    code: PublishedCode,
    messages_uri: str,
    settings: StepSettings,
) -> StepReport:
    bucket, prefix = split_s3_url(messages_uri)
    with dg.open_pipes_session(
        context=context,
        context_injector=PipesS3ContextInjector(
            bucket=bucket, client=s3, key_prefix=f"{prefix}pipes/"
        ),
        message_reader=PipesS3MessageReader(bucket=bucket, client=s3, interval=settings.poll_s),
        extras={"request": request.to_dict()},
    ) as session:
        pipes_args = [a for kv in session.get_bootstrap_cli_arguments().items() for a in kv]
        args = code.spark_submit_args(settings.python, settings.spark_submit_args) + pipes_args
        days = f" {request.days[0]}…{request.days[-1]}" if request.days else ""
        step_id = emr.add_job_flow_steps(
            JobFlowId=cluster_id,
            Steps=[
                {
                    "Name": f"sparkify {request.step}{days} (run {context.run.run_id[:8]})",
                    # The run, not EMR, decides what happens after a failure.
                    "ActionOnFailure": "CONTINUE",
                    "HadoopJarStep": {"Jar": "command-runner.jar", "Args": args},
                }
            ],
        )["StepIds"][0]
        context.log.info(f"EMR step {step_id} ({request.step}) submitted to cluster {cluster_id}")
        try:
            status = _wait_for_step(emr, cluster_id, step_id, settings, context.log)
        except BaseException:
            # Timeout, run cancellation or any error here: the step must not run on unattended.
            _cancel_step(emr, cluster_id, step_id, context.log)
            raise
    where = step_log_location(settings.log_uri, cluster_id, step_id)
    messages = session.get_custom_messages()
    if status["State"] != "COMPLETED":
        failure = status.get("FailureDetails") or {}
        reported = [m["error"] for m in messages if "error" in m]
        reason = (
            (reported[-1] if reported else None)
            or failure.get("Message")
            or failure.get("Reason")
            or (status.get("StateChangeReason") or {}).get("Message")
            or "no reason given"
        )
        logs = failure.get("LogFile") or where
        raise EmrStepFailed(
            f"EMR step {step_id} ({request.step}) on cluster {cluster_id} ended {status['State']}: "
            f"{reason}. Step logs: {logs}"
        )
    reports = [m["report"] for m in messages if "report" in m]
    if not reports:
        raise EmrStepFailed(
            f"EMR step {step_id} ({request.step}) completed but sent no report through Pipes "
            f"(messages under s3://{bucket}/{prefix}). Step logs: {where}"
        )
    return StepReport.from_dict(reports[-1])


def _wait_for_step(emr, cluster_id: str, step_id: str, settings: StepSettings, log) -> dict:
    started = time.monotonic()
    last_state = None
    while True:
        status = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]
        if status["State"] != last_state:
            log.info(f"EMR step {step_id}: {status['State']}")
            last_state = status["State"]
        if status["State"] in FINISHED_STATES:
            return status
        if time.monotonic() - started > settings.timeout_s:
            raise EmrStepFailed(
                f"EMR step {step_id} on cluster {cluster_id} did not finish within "
                f"{settings.timeout_s / 60:.0f} min ({EMR_STEP_TIMEOUT_MINUTES.name}); it is "
                f"cancelled. Step logs: {step_log_location(settings.log_uri, cluster_id, step_id)}"
            )
        time.sleep(settings.poll_s)


def _cancel_step(emr, cluster_id: str, step_id: str, log) -> None:
    """Best effort: the cluster's teardown ends the step anyway if this call fails."""
    try:
        emr.cancel_steps(ClusterId=cluster_id, StepIds=[step_id])
        log.warning(f"EMR step {step_id} cancelled")
    except Exception as error:
        log.warning(f"Could not cancel EMR step {step_id} ({error}); the cluster's end stops it")
