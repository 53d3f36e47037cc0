"""Helpers shared by test modules: the sample, the promised assets, real Dagster runs, lake snapshots.

Fixtures stay in conftest.py; everything a test module imports comes from here.
"""

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from sparkify_dagster import tables
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.local_server import LOCALHOST
from sparkify_dagster.resources import spark_class_archive as class_archive
from sparkify_dagster.resources.compute import LocalSparkCompute
from sparkify_dagster.resources.spark import SparkResource, class_archive_file
from sparkify_dagster.settings import SPARK_JAVA_OPTIONS, SPARK_REMOTE, Settings
from sparkify_dagster.spark_connect import connect_url
from sparkify_dagster.steps import ALL_STEPS
from sparkify_dagster.steps.events import CLEAN_OUTPUTS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT.parent / "shared" / "fixtures" / "sparkify_sample"
SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY = date(2018, 11, 1), date(2018, 11, 30)
# The generated month (conftest's generated_month): its days.
GENERATED_FIRST_DAY, GENERATED_DAYS = date(2018, 11, 1), 30

# The assets the platform promises, stated once for the tests that check them.
DAILY_ASSET_KEYS = {
    "log_events",
    "listen_events",
    "page_view_events",
    "auth_events",
    "quarantined_log_lines",
    "time",
    "users",
    "songplays",
}
UNPARTITIONED_ASSET_KEYS = {"songs", "artists", "quarantined_song_records"}
# The clean step's tables, as a run's selection: runs that test only what the clean step does.
CLEAN_ASSETS = [table.name for table in CLEAN_OUTPUTS]
# The dbt warehouse's models (sparkify_dagster/warehouse/) are assets of this kind.
DBT_KIND = "dbt"


def platform_asset_keys(graph) -> set[dg.AssetKey]:
    """The Spark steps' table assets of an asset graph (every asset but the dbt models)."""
    return {key for key in graph.get_all_asset_keys() if DBT_KIND not in graph.get(key).kinds}


def local_asset_graph():
    """The asset graph of a code location on a local lake (the warehouse's models included)."""
    return build_definitions(Settings()).resolve_asset_graph()


def warehouse_asset_keys(graph) -> set[dg.AssetKey]:
    """The dbt models of an asset graph."""
    return {key for key in graph.get_all_asset_keys() if DBT_KIND in graph.get(key).kinds}


# Every check the steps declare, as (asset, check name).
# The checks of a lake of log files (a Kafka-fed lake's clean step has its own: STREAM_STEPS).
ASSET_CHECKS = {(c.table.name, c.name) for step in ALL_STEPS for c in step.checks}

# The `sparkify` command as a new process, and the venv it is installed in.
SPARKIFY = [sys.executable, "-m", "sparkify_dagster.cli"]
VENV_BIN = Path(sys.executable).parent


def path_without_the_venv() -> str:
    """PATH as after `make demo` in a new shell: the virtualenv is not activated."""
    return os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p).resolve() != VENV_BIN.resolve()
    )


def chromium() -> str | None:
    """The system Chromium Playwright drives (Debian's `chromium`; no browser download)."""
    return next(
        (
            path
            for b in ("chromium", "chromium-browser", "google-chrome")
            if (path := shutil.which(b))
        ),
        None,
    )


# Test JVMs live seconds to minutes on small data: skip the optimizing compiler and the parallel
# collector (a quarter less time for a run of a few days, half the CPU of a short step). Without
# the optimizing compiler, Java keeps 48 MB of compiled code, not 240: the test workers' JVMs
# need 52-60 MB, so they flushed and compiled code again all session long (the suite's JVMs
# spent 42 core-s sweeping the code cache and 104 compiling; 0 and 79 with 256 MB).
QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ReservedCodeCacheSize=256m"
# What every `sparkify` or Dagster process a test starts gets (SPARKIFY_SPARK_JAVA_OPTIONS).
QUICK_SPARK_ENV = {SPARK_JAVA_OPTIONS.name: QUICK_JVM}


def quick_submit_jvm() -> str:
    """QUICK_JVM for the JVMs the EMR tests start with spark-submit or spark-class, which
    SparkResource does not start: from Spark's class archive too, when `make test` wrote it (a
    session then starts in 5 s instead of 11 here). A JVM the archive does not fit starts
    without it, quietly."""
    archive = class_archive_file()
    if not archive.is_file():
        return QUICK_JVM
    return f"{QUICK_JVM} {class_archive.start_options(archive)}"


def cli_environment() -> dict[str, str]:
    """The environment without any SPARKIFY_* setting or DAGSTER_HOME, the venv not on PATH;
    Spark's JVM set for short runs (QUICK_SPARK_ENV)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKIFY_", "DAGSTER_HOME"))}
    return {**env, "PATH": path_without_the_venv(), **QUICK_SPARK_ENV}


def sparkify(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`sparkify ARGS` in a new process, as a user runs it; its output captured. `env`: more
    variables, e.g. the conftest fixture shared_spark's, for a run on the tests' own Spark."""
    return subprocess.run(
        [*SPARKIFY, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**cli_environment(), **(env or {})},
        cwd=cwd,
    )


# Where the tests' SparkSession serves Spark Connect once a test asks (conftest's shared_spark):
# 127.0.0.1, a port its JVM picks.
SPARK_CONNECT_CONF = {
    "spark.connect.grpc.binding.address": LOCALHOST,
    "spark.connect.grpc.binding.port": "0",
}
# The same settings the pipeline uses, fewer shuffle partitions: test data is small.
TEST_SPARK = SparkResource(
    master="local[2]",
    driver_memory="2g",
    shuffle_partitions=2,
    java_options=QUICK_JVM,
    conf=SPARK_CONNECT_CONF,
)


def serve_spark_connect(session) -> dict[str, str]:
    """Starts a Spark Connect server in `session`'s JVM (one of TEST_SPARK's), once, so that a
    `sparkify` or Dagster process a test starts can run its Spark work on this warm JVM instead
    of its own (~20 s less per run here); the setting that makes a process use it. Started
    on demand, not as Spark Connect's plugin with every session: the fast tier needs none."""
    service = getattr(session._jvm.org.apache.spark.sql.connect.service, "SparkConnectService$")
    server = getattr(service, "MODULE$")
    if not server.started():
        server.start(session.sparkContext._jsc.sc())
    return {SPARK_REMOTE.name: connect_url(server.localPort())}


def sensor_tick(
    sensor: dg.SensorDefinition,
    defs: dg.Definitions,
    cursor: str | None = None,
    resources: dict | None = None,
):
    """One real evaluation of `sensor` with `defs`' repository and resources (as the daemon
    gives them), or these. The context is exited: built with resources, it holds a Dagster
    instance, whose SQLite connections the garbage collector must not close (conftest's
    open_connections_are_closed)."""
    with dg.build_sensor_context(
        cursor=cursor,
        resources=defs.resources if resources is None else resources,
        repository_def=defs.get_repository_def(),
    ) as context:
        return sensor.evaluate_tick(context)


def run_pipeline(
    source: Path,
    lake: Path,
    start: date,
    end: date,
    selection=None,
    instance: dg.DagsterInstance | None = None,
    run_config: dict | None = None,
    warehouse: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialize the assets for a range of days as one real Dagster run: the Spark steps'
    tables, and the dbt warehouse after them with `warehouse` (~15 s more; the sample month's
    run has it, sample_run)."""
    defs = build_definitions(
        Settings(source=str(source), lake=str(lake)), compute=LocalSparkCompute(spark=TEST_SPARK)
    )
    if selection is None and not warehouse:
        selection = dg.AssetSelection.all() - dg.AssetSelection.kind(DBT_KIND)
    return dg.materialize(
        defs.assets,
        selection=selection,
        instance=instance,
        resources=defs.resources,
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        },
        run_config=run_config,
        raise_on_error=False,
    )


def materialize_warehouse(
    lake: Path,
    start: date,
    end: date,
    instance: dg.DagsterInstance | None = None,
    settings: Settings | None = None,
) -> dg.ExecuteInProcessResult:
    """Build the dbt warehouse of a materialized lake for a range of days (the dbt assets only),
    as one real Dagster run."""
    defs = build_definitions(settings or Settings(source=str(SAMPLE), lake=str(lake)))
    return dg.materialize(
        defs.assets,
        selection=dg.AssetSelection.kind(DBT_KIND),
        instance=instance,
        resources=defs.resources,
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        },
        raise_on_error=False,
    )


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """What the first failed step of a run raised, without the error's class (as the CLI shows
    it)."""
    failures = result.get_step_failure_events()
    assert failures, "the run has no failed step"
    error = failures[0].event_specific_data.error
    while error.cause is not None:
        error = error.cause
    raised_as, _, said = error.message.strip().partition(": ")
    return said if raised_as.rsplit(".", 1)[-1] == error.cls_name else error.message.strip()


def lake_snapshot(lake: Path) -> dict[str, tuple[list[dict], set[tuple[int, int]]]]:
    """Every partition / table directory → (its rows in stored order, (inode, mtime) per file).

    Contents are compared as decoded rows, files read in name order: a big day may be split
    over several files, and parquet-mr writes some footer fields (the set of encodings) in
    varying order, so equal data need not be equal bytes.
    """
    snapshot = {}
    for directory in sorted({p.parent for p in lake.rglob("*.parquet")}):
        files = sorted(directory.glob("*.parquet"))
        rows = [row for path in files for row in pq.read_table(path).to_pylist()]
        stats = {(p.stat().st_ino, p.stat().st_mtime_ns) for p in files}
        snapshot[str(directory.relative_to(lake))] = (rows, stats)
    return snapshot


# Two days of the sample, one with its only matched play: a fresh run of them must give the rows
# the session's one run of the month gave for them.
FRESH_DAYS = (date(2018, 11, 21), date(2018, 11, 22))


def assert_fresh_days_equal_the_month(fresh_lake: Path, month_lake: Path) -> None:
    """A lake of a fresh run of FRESH_DAYS holds exactly those days' partitions (and the
    unpartitioned tables) of the month's lake, row for row; the users seen over every day run
    so far (users, the user state) are what the days of a run alone do not determine."""
    across_days = {tables.USERS.relative_path, tables.USER_STATE.relative_path}
    fresh = {rel: rows for rel, (rows, _) in lake_snapshot(fresh_lake).items()}
    month = {rel: rows for rel, (rows, _) in lake_snapshot(month_lake).items()}
    days = {f"date={day.isoformat()}" for day in FRESH_DAYS}
    assert fresh.keys() == {
        rel for rel in month if rel.split("/")[-1] in days or "/date=" not in rel
    }
    assert any("songplays/date=" in rel for rel in fresh)
    for rel, rows in fresh.items():
        if rel not in across_days:
            assert rows == month[rel], rel


class RecordingLog:
    """A StepLog that keeps what it is told, for tests that check what a step or lock logged."""

    def __init__(self):
        self.messages: list[str] = []

    def info(self, msg: str) -> None:
        self.messages.append(msg)

    warning = info
