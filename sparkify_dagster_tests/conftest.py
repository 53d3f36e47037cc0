"""Shared fixtures: one SparkSession for the whole session, the real sample, Dagster runs."""

import logging
import os
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.resources import LocalSparkCompute, SparkResource
from sparkify_dagster.settings import Settings
from sparkify_dagster.steps import ALL_CHECKS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT.parent / "shared" / "fixtures" / "sparkify_sample"
SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY = date(2018, 11, 1), date(2018, 11, 30)

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
# Every check the steps declare, as (asset, check name).
ASSET_CHECKS = {(check.table.name, check.name) for check in ALL_CHECKS}

# The same settings the pipeline uses, fewer shuffle partitions: test data is small.
TEST_SPARK = SparkResource(master="local[2]", driver_memory="2g", shuffle_partitions=2)


def pytest_configure(config):
    if not SAMPLE.is_dir():
        raise pytest.UsageError(
            f"The Sparkify sample is expected at {SAMPLE} (../shared next to the project)."
        )


@pytest.fixture(scope="session")
def spark():
    """The one SparkSession of the test session; assets run in-process reuse it."""
    return TEST_SPARK.get_session()


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the sample, for tests that damage or remove input files."""
    target = tmp_path / "source"
    shutil.copytree(SAMPLE, target)
    return target


def run_pipeline(
    source: Path,
    lake: Path,
    start: date,
    end: date,
    selection=None,
    instance: dg.DagsterInstance | None = None,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize the assets for a range of days as one real Dagster run."""
    defs = build_definitions(
        Settings(source=str(source), lake=str(lake)), compute=LocalSparkCompute(spark=TEST_SPARK)
    )
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


@pytest.fixture(scope="session")
def sample_lake(spark, tmp_path_factory) -> Path:
    """The whole sample month materialized once, shared read-only by the figure tests."""
    lake = tmp_path_factory.mktemp("sample") / "lake"
    result = run_pipeline(SAMPLE, lake, SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY)
    assert result.success, "materializing the sample month failed"
    return lake


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """A real S3 API over HTTP: a moto server on 127.0.0.1, for the whole test session."""
    from moto.server import ThreadedMotoServer

    # Dummy credentials: boto3 must sign requests, and must never find real ones here.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A fresh, empty bucket on the moto server."""
    import uuid

    import boto3

    name = f"sparkify-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


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
