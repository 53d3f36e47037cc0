"""Timed Dagster runs of the real jobs: in this process (warm Spark) or each in a new process.

A new process is what Dagster's run launcher does for every run (a new JVM and SparkSession too),
so "N separate daily runs" are N processes.

    python -m benchmarks.dagster_runs SOURCE LAKE START END   # one run for the range
"""

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.jobs import daily_star_schema_job, song_catalogue_job
from sparkify_dagster.settings import SPARK_JAVA_OPTIONS, SPARK_REMOTE, Settings


def _definitions(source: Path, lake: Path) -> dg.Definitions:
    """The code location's wiring with every default setting (local Spark), this source and lake;
    only the driver's JVM options and a Spark Connect server come from the environment (the
    tests' quick run sets them: its timings mean nothing, and its runs then start no JVM)."""
    return build_definitions(
        Settings(
            source=str(source),
            lake=str(lake),
            spark_java_options=SPARK_JAVA_OPTIONS.value(),
            spark_remote=SPARK_REMOTE.value(),
        )
    )


def _star_tables_job(defs: dg.Definitions) -> dg.JobDefinition:
    """The daily job without its dbt warehouse models: the figures here time the star tables
    (the warehouse, built after them in the same job, is a figure of its own)."""
    job = defs.resolve_job_def(daily_star_schema_job.name)
    graph = defs.resolve_asset_graph()
    keys = {key for key in job.asset_layer.selected_asset_keys if "dbt" not in graph.get(key).kinds}
    checks = {key for key in job.asset_layer.asset_graph.asset_check_keys if key.asset_key in keys}
    return job.get_subset(asset_selection=keys, asset_check_selection=checks)


# Runs in this process log warnings and errors only: Dagster's console logger otherwise prints
# every event (hundreds of DEBUG lines a run) over the benchmark's own progress lines.
_QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _execute(job: dg.JobDefinition, instance: dg.DagsterInstance, **options):
    return job.execute_in_process(instance=instance, run_config=_QUIET_RUN_CONFIG, **options)


def refresh_catalogue(source: Path, lake: Path) -> float:
    """The song catalogue job, in this process; seconds."""
    started = time.perf_counter()
    job = _definitions(source, lake).resolve_job_def(song_catalogue_job.name)
    with dg.DagsterInstance.ephemeral() as instance:
        assert _execute(job, instance).success
    return time.perf_counter() - started


def _partition_options(start: date, end: date) -> dict:
    """execute_in_process's options for start … end: one partition, or a single-run backfill."""
    if start == end:
        return {"partition_key": start.isoformat()}
    return {
        "tags": {
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        }
    }


def run_days(source: Path, lake: Path, start: date, end: date) -> float:
    """The daily star-schema job's star tables for start … end as one run, in this process;
    seconds.

    One day is a plain partition run (what the schedule launches); a range is a single-run
    backfill (what the UI and `sparkify run` launch).
    """
    job = _star_tables_job(_definitions(source, lake))
    started = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        result = _execute(job, instance, **_partition_options(start, end))
    assert result.success, f"run for {start} … {end} failed"
    return time.perf_counter() - started


@dataclass(frozen=True)
class WarehouseRunTimes:
    """One run of the whole daily job, its steps' seconds split in two."""

    warehouse: float  # the dbt step: one `dbt build` of the run's days, and the read copy
    star_tables: float  # every other step: clean + star tables, with their checks


def warehouse_step_keys(defs: dg.Definitions) -> set[str]:
    """The steps (ops) that build dbt models: the warehouse's multi-asset."""
    graph = defs.resolve_asset_graph()
    return {
        graph.get(key).assets_def.node_def.name
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_executable and "dbt" in graph.get(key).kinds
    }


def split_step_seconds(
    instance: dg.DagsterInstance, run_id: str, warehouse_steps: set[str]
) -> WarehouseRunTimes:
    """A finished run's step durations from its event log (step start to step end), summed as
    warehouse and star-table steps: both figures come from the same run, and neither includes
    the run's own start-up. The daily job runs its steps one after another (in_process_executor),
    so the sums are wall-clock seconds."""
    seconds = {
        stats.step_key: stats.end_time - stats.start_time
        for stats in instance.get_run_step_stats(run_id)
    }
    return WarehouseRunTimes(
        warehouse=sum(s for key, s in seconds.items() if key in warehouse_steps),
        star_tables=sum(s for key, s in seconds.items() if key not in warehouse_steps),
    )


def run_days_with_warehouse(source: Path, lake: Path, start: date, end: date) -> WarehouseRunTimes:
    """The whole daily job (star tables, then the dbt warehouse) for start … end as one run, in
    this process; its warehouse and star-table steps timed apart."""
    defs = _definitions(source, lake)
    with dg.DagsterInstance.ephemeral() as instance:
        job = defs.resolve_job_def(daily_star_schema_job.name)
        result = _execute(job, instance, **_partition_options(start, end))
        assert result.success, f"run for {start} … {end} failed"
        return split_step_seconds(instance, result.run_id, warehouse_step_keys(defs))


def run_days_in_new_process(source: Path, lake: Path, start: date, end: date) -> float:
    """The same run launched as its own process, as Dagster launches runs; wall seconds."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.dagster_runs",
            str(source),
            str(lake),
            start.isoformat(),
            end.isoformat(),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    source, lake, first, last = sys.argv[1:5]
    seconds = run_days(
        Path(source), Path(lake), date.fromisoformat(first), date.fromisoformat(last)
    )
    print(json.dumps({"seconds": seconds}))
