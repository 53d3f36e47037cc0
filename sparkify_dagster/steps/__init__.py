"""The Spark work of each asset, free of Dagster: one function per step, the same code whether
it runs in the orchestrator's process (local Spark) or as an EMR step on a cluster."""

from collections.abc import Callable

from pyspark.sql import SparkSession

from sparkify_dagster.steps.catalogue import song_catalogue
from sparkify_dagster.steps.events import clean_log_events
from sparkify_dagster.steps.report import StepLog, StepReport, StepRequest
from sparkify_dagster.steps.star import songplays, time_table, users
from sparkify_dagster.storage import ParquetLake

Step = Callable[[SparkSession, StepRequest, StepLog], StepReport]

# Keyed by the name of the asset (or multi-asset) that runs the step.
STEPS: dict[str, Step] = {
    "song_catalogue": song_catalogue,
    "clean_log_events": clean_log_events,
    "time": time_table,
    "users": users,
    "songplays": songplays,
}


def run_step(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    """Run a step; whoever calls this holds the lake lock (the compute resources take it).

    The step first finishes what a dead run left half done in the lake (ParquetLake.recover):
    here, so it happens where the step runs, on the orchestrator or on a cluster alike.
    """
    try:
        step = STEPS[request.step]
    except KeyError:
        raise ValueError(f"unknown step {request.step!r}; steps: {', '.join(STEPS)}") from None
    ParquetLake(request.lake_root, session).recover(log)
    return step(session, request, log)


__all__ = ["STEPS", "StepLog", "StepReport", "StepRequest", "run_step"]
