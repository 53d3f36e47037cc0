"""The spark-submit entry point of a step (run_step.py on a cluster calls main()).

Launched by Dagster (EMR mode) it is a Dagster Pipes process: the request arrives in the Pipes
context (on S3), logs and the StepReport go back as Pipes messages (on S3), and an exception
fails the EMR step. Run by hand, pass `--request '<StepRequest JSON>'`: the log goes to stderr
(which spark-submit merges into its stdout) and the report is printed as one line starting
with REPORT_PREFIX.
"""

import argparse
import json
import logging
import sys
import traceback

import sparkify_dagster
from sparkify_dagster.errors import describe_failure, quiet_pyspark_error_logs
from sparkify_dagster.spark_settings import PIPELINE_CONF
from sparkify_dagster.steps import StepLog, request_from_dict, run_step
from sparkify_dagster.steps.report import StepReport, StepRequest

MESSAGE_INTERVAL_S = 5.0
REPORT_PREFIX = "sparkify-step-report "


def _session(request: StepRequest):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(f"sparkify {request.step}")
    for key, value in PIPELINE_CONF.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _run(request: StepRequest, log: StepLog) -> StepReport:
    quiet_pyspark_error_logs()
    log.info(
        f"Step {request.step} (sparkify_dagster {sparkify_dagster.__version__} from "
        f"{sparkify_dagster.__file__}): days {', '.join(request.days) or '-'}, "
        f"source {request.source_root}, lake {request.lake_root}"
    )
    return run_step(_session(request), request, log)


def _run_under_pipes() -> None:
    import boto3
    from dagster_pipes import (
        PipesCliArgsParamsLoader,
        PipesS3ContextLoader,
        PipesS3MessageWriter,
        open_dagster_pipes,
    )

    s3 = boto3.client("s3")
    with open_dagster_pipes(
        params_loader=PipesCliArgsParamsLoader(),
        context_loader=PipesS3ContextLoader(s3),
        message_writer=PipesS3MessageWriter(s3, interval=MESSAGE_INTERVAL_S),
    ) as pipes:
        request = request_from_dict(pipes.get_extra("request"))
        try:
            report = _run(request, pipes.log)
        except Exception as error:
            # EMR's own failure details rarely say more than "Unknown Error": send ours, in
            # the same words as a local run (the trace goes to the debug log and stderr).
            pipes.log.debug(f"Step {request.step} failed:\n{traceback.format_exc()}")
            pipes.report_custom_message({"error": describe_failure(error)})
            raise
        pipes.report_custom_message({"report": report.to_dict()})


def main(argv: list[str] | None = None) -> int:
    from dagster_pipes import PipesCliArgsParamsLoader

    if PipesCliArgsParamsLoader().is_dagster_pipes_process():
        _run_under_pipes()
        return 0
    parser = argparse.ArgumentParser(description="Run one sparkify step with spark-submit.")
    parser.add_argument("--request", required=True, help="The StepRequest as JSON.")
    args = parser.parse_args(argv)
    # Our logger only: the root logger at INFO would let py4j chatter after the report.
    log = logging.getLogger("sparkify.step")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    report = _run(request_from_dict(json.loads(args.request)), log)
    print(REPORT_PREFIX + json.dumps(report.to_dict()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
