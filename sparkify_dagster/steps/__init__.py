"""The Spark work of each asset, free of Dagster: one declared Step per asset (or multi-asset),
the same code whether it runs in the orchestrator's process (local Spark) or as an EMR step on a
cluster. Assets call their step by reference (SONGPLAYS_STEP.request(...)); a request names its
step, so the one that travelled as JSON to a cluster finds it again here (STEPS)."""

from pyspark.sql import SparkSession

from sparkify_dagster.steps.catalogue import SONG_CATALOGUE_STEP
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP
from sparkify_dagster.steps.report import StepLog, StepReport, StepRequest
from sparkify_dagster.steps.star import SONGPLAYS_STEP, TIME_STEP, USERS_STEP
from sparkify_dagster.steps.step import Check, Step
from sparkify_dagster.steps.stream_events import CLEAN_STREAM_EVENTS_STEP
from sparkify_dagster.steps.stream_ingest import STREAM_INGEST_STEP
from sparkify_dagster.storage import ParquetLake

ALL_STEPS: tuple[Step, ...] = (
    SONG_CATALOGUE_STEP,
    CLEAN_LOG_EVENTS_STEP,
    TIME_STEP,
    USERS_STEP,
    SONGPLAYS_STEP,
)
# A lake fed by Kafka: its micro-batch, and its clean step in CLEAN_LOG_EVENTS_STEP's place.
STREAM_STEPS: tuple[Step, ...] = (STREAM_INGEST_STEP, CLEAN_STREAM_EVENTS_STEP)
# By the step's own name: what a request carries.
STEPS: dict[str, Step] = {step.name: step for step in (*ALL_STEPS, *STREAM_STEPS)}
ALL_CHECKS: tuple[Check, ...] = tuple(check for step in STEPS.values() for check in step.checks)


def step_named(name: str) -> Step:
    try:
        return STEPS[name]
    except KeyError:
        raise ValueError(f"unknown step {name!r}; steps: {', '.join(STEPS)}") from None


def request_from_dict(data: dict) -> StepRequest:
    """A request back from its JSON form (StepRequest.to_dict), its settings typed again."""
    step = step_named(data["step"])
    return StepRequest(
        step=step.name,
        source_root=data["source_root"],
        lake_root=data["lake_root"],
        days=tuple(data.get("days", ())),
        settings=step.settings_from(data.get("settings")),
    )


def run_step(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    """Run a step; whoever calls this holds the lake lock (the compute resources take it).

    The step first finishes what a dead run left half done in the lake (ParquetLake.recover):
    here, so it happens where the step runs, on the orchestrator or on a cluster alike.
    """
    step = step_named(request.step)
    ParquetLake(request.lake_root, session).recover(log)
    return step.run(session, request, log)


__all__ = [
    "ALL_CHECKS",
    "ALL_STEPS",
    "STEPS",
    "STREAM_STEPS",
    "StepLog",
    "StepReport",
    "StepRequest",
    "request_from_dict",
    "run_step",
    "step_named",
]
