"""Where an asset's Spark step runs: the execution switch (Settings.env: local or emr).

Assets ask a SparkCompute to run a step (sparkify_dagster.steps) and get its StepReport back;
which compute they get is chosen once, in build_compute, never in asset code. Every step runs
holding the lake lock (sparkify_dagster.lake_lock), whoever started the run.
"""

import traceback
from contextlib import AbstractContextManager

import dagster as dg
from pydantic import Field

from sparkify_dagster.errors import StepFailed, describe_failure, quiet_pyspark_error_logs
from sparkify_dagster.filesystems import is_uri
from sparkify_dagster.lake_lock import lake_lock
from sparkify_dagster.resources.spark import SparkResource
from sparkify_dagster.settings import ENV, KAFKA_SOURCE_SCHEME, LAKE_LOCK_TIMEOUT_MINUTES
from sparkify_dagster.steps import StepReport, StepRequest, run_step


class SparkCompute(dg.ConfigurableResource):
    """Runs a step and returns its report (subclasses say where)."""

    lake_lock_timeout_minutes: int = Field(
        default=LAKE_LOCK_TIMEOUT_MINUTES.default,
        description="How long a step waits for another run's step on the same lake, then fails.",
    )

    def run(self, context: dg.AssetExecutionContext, request: StepRequest) -> StepReport:
        raise NotImplementedError

    def holding_lake(
        self, context: dg.AssetExecutionContext, request: StepRequest, s3_client=None
    ) -> AbstractContextManager[None]:
        return lake_lock(
            request.lake_root,
            context.run.run_id,
            context.log,
            timeout_s=self.lake_lock_timeout_minutes * 60,
            s3_client=s3_client,
        )


class LocalSparkCompute(SparkCompute):
    """The step in this process, on the run's one SparkSession (local Spark or any master)."""

    spark: SparkResource

    def run(self, context: dg.AssetExecutionContext, request: StepRequest) -> StepReport:
        for name, root in (("source", request.source_root), ("lake", request.lake_root)):
            if is_uri(root) and not root.startswith(("file:", KAFKA_SOURCE_SCHEME)):
                raise ValueError(
                    f"The {name} is {root!r}, but Spark runs locally here: local Spark reads and "
                    "writes local directories only (the sensors can watch S3). Use local paths, "
                    f"or run on EMR ({ENV.name}=emr; README: Running on AWS)."
                )
        quiet_pyspark_error_logs()
        session = self.spark.get_session()
        with self.holding_lake(context, request):
            try:
                return run_step(session, request, context.log)
            except Exception as error:
                # The run log and the CLI get the cause in a line or two; the trace (with its
                # JVM frames) stays in the debug log.
                context.log.debug(f"Step {request.step} failed:\n{traceback.format_exc()}")
                raise StepFailed(describe_failure(error)) from None
