"""Where an asset's Spark step runs: the execution switch (SPARKIFY_ENV=local|emr).

Assets ask a SparkCompute to run a step (sparkify_dagster.steps) and get its StepReport back;
which compute they get is chosen once, in build_resources, never in asset code.
"""

import traceback

import dagster as dg

from sparkify_dagster.errors import StepFailed, describe_failure, quiet_pyspark_error_logs
from sparkify_dagster.filesystems import is_uri
from sparkify_dagster.resources.spark import SparkResource
from sparkify_dagster.steps import StepReport, StepRequest, run_step


class SparkCompute(dg.ConfigurableResource):
    """Runs a step and returns its report (subclasses say where)."""

    def run(self, context: dg.AssetExecutionContext, request: StepRequest) -> StepReport:
        raise NotImplementedError


class LocalSparkCompute(SparkCompute):
    """The step in this process, on the run's one SparkSession (local Spark or any master)."""

    spark: SparkResource

    def run(self, context: dg.AssetExecutionContext, request: StepRequest) -> StepReport:
        for name, root in (("source", request.source_root), ("lake", request.lake_root)):
            if is_uri(root) and not root.startswith("file:"):
                raise ValueError(
                    f"The {name} is {root!r}, but Spark runs locally here: local Spark reads and "
                    "writes local directories only (the sensors can watch S3). Use local paths, "
                    "or run on EMR (SPARKIFY_ENV=emr; README: Running on AWS)."
                )
        quiet_pyspark_error_logs()
        try:
            return run_step(self.spark.get_session(), request, context.log)
        except Exception as error:
            # The run log and the CLI get the cause in a line or two; the trace (with its JVM
            # frames) stays in the debug log.
            context.log.debug(f"Step {request.step} failed:\n{traceback.format_exc()}")
            raise StepFailed(describe_failure(error)) from None
