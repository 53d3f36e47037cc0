"""EMR against a moto server (EMR and S3 APIs over HTTP on 127.0.0.1), steps run on this
machine: in local mode, or on a Spark standalone cluster standing in for the cluster's nodes."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkify_dagster_tests.emr.helpers import DAY
from sparkify_dagster_tests.emr.standalone import Standalone, standalone_cluster
from sparkify_dagster_tests.emr.step_executor import LocalStepExecutor
from sparkify_dagster_tests.helpers import lake_snapshot, run_pipeline
from sparkify_generator import generate_lake, open_sink


@pytest.fixture
def aws(s3_endpoint, monkeypatch) -> str:
    """Every boto3 client of this process (and of the steps) talks to the moto server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    return s3_endpoint


@pytest.fixture
def artifacts_uri(aws, s3_bucket) -> str:
    return f"s3://{s3_bucket}/sparkify"


@pytest.fixture(scope="package")
def raw_lake(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("emr_raw") / "raw"
    generate_lake(
        open_sink(str(source)), start=DAY, days=1, events_per_day=1_500, songs=100, seed=21
    )
    return source


@pytest.fixture(scope="package")
def local_lake(raw_lake, spark, tmp_path_factory) -> Path:
    """The lake local Spark writes for DAY from raw_lake, in one run. Read-only: tests that
    change a lake copy it."""
    lake = tmp_path_factory.mktemp("local_reference") / "lake"
    assert run_pipeline(raw_lake, lake, DAY, DAY).success
    return lake


@pytest.fixture(scope="package")
def local_reference(local_lake) -> dict:
    """The rows of local_lake's tables: what every other engine must write."""
    return {k: rows for k, (rows, _) in lake_snapshot(local_lake).items()}


@pytest.fixture
def executor(aws, tmp_path):
    with LocalStepExecutor(endpoint=aws, workdir=tmp_path / "emr") as running:
        yield running


@pytest.fixture(scope="package")
def standalone(tmp_path_factory) -> Iterator[Standalone]:
    with standalone_cluster(tmp_path_factory.mktemp("standalone")) as cluster:
        yield cluster


@pytest.fixture
def cluster_executor(aws, standalone, tmp_path):
    """Steps run on the standalone cluster, as EMR's on the cluster's YARN."""
    with LocalStepExecutor(endpoint=aws, workdir=tmp_path / "emr", cluster=standalone) as running:
        yield running
