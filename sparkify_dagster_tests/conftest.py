"""Shared fixtures: one SparkSession for the whole session, the real sample, an S3 server.

Helpers that test modules import live in helpers.py.
"""

import gc
import logging
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import dagster as dg
import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from sparkify_dagster_tests.helpers import (
    GENERATED_DAYS,
    GENERATED_FIRST_DAY,
    SAMPLE,
    SAMPLE_FIRST_DAY,
    SAMPLE_LAST_DAY,
    TEST_SPARK,
    run_pipeline,
    serve_spark_connect,
)
from sparkify_generator import GenerationSummary, generate_lake, open_sink

# Fixtures that start a server (moto's S3 and EMR, `dagster dev`, PostgreSQL with the deployment's
# services): a test that uses one, directly or through another fixture, is in the slow tier.
SERVER_FIXTURES = {
    "s3_endpoint",
    "dagster_dev",
    "deployment",
    "kafka_broker",
    "authenticating_broker",
}
# Fixtures that materialize a month, star tables and warehouse (1-1.5 min each): slow tier too.
MONTH_FIXTURES = {"sample_run", "generated_month"}


# Wider-scoped fixtures that each xdist worker may build for itself (`make test` runs two): a
# SparkSession and a moto server are cheap to start twice. Every other fixture of ours wider than a
# function is built once, so the tests sharing it go to one worker (xdist_group, --dist loadgroup).
PER_WORKER_FIXTURES = {
    "spark",
    "shared_spark",
    "s3_endpoint",
    "kafka_broker",
    "authenticating_broker",
}


def _shared_fixture_keys(item) -> list[str]:
    """What `item` shares with other tests: one key per wider-scoped fixture of this package."""
    keys = []
    for name, definitions in item._fixtureinfo.name2fixturedefs.items():
        fixture = definitions[-1]
        if (
            name in PER_WORKER_FIXTURES
            or fixture.scope == "function"
            or not fixture.func.__module__.startswith(__package__)
        ):
            continue
        module = item.nodeid.split("::")[0]
        keys.append(module if fixture.scope in ("module", "class") else f"{fixture.scope}:{name}")
    return keys


def _group_by_shared_fixtures(items) -> None:
    """Marks each test with the xdist group of everything it shares a fixture with, transitively
    (a union-find over the fixtures' keys), so a shared fixture is built in one worker only."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    shared = {item.nodeid: _shared_fixture_keys(item) for item in items}
    for keys in shared.values():
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    for item in items:
        if keys := shared[item.nodeid]:
            item.add_marker(pytest.mark.xdist_group(root(keys[0])))


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark, and before xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        if (SERVER_FIXTURES | MONTH_FIXTURES).intersection(item.fixturenames):
            item.add_marker(pytest.mark.slow)
    _group_by_shared_fixtures(items)
    # Slow tests first: the workers then share out the long ones and end on short ones, so
    # they finish together (xdist hands out work in collection order: --no-loadscope-reorder).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config):
    if not SAMPLE.is_dir():
        raise pytest.UsageError(
            f"The Sparkify sample is expected at {SAMPLE} (../shared next to the project)."
        )


def pytest_collection_finish(session):
    """What collection imported (Dagster, dbt, PySpark, Streamlit: millions of objects) lives
    until the end: moved out of the collector's reach, so that each full collection during the
    tests scans only what they made. Before, a worker spent a quarter of its time in them."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """An ephemeral Dagster instance, closed when the test ends (see open_connections_are_closed)."""
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


# The SQLAlchemy connections (Dagster's storages) opened during the running test, those not given
# back yet, and those given back by the garbage collector: a collection runs when allocations
# say so, so a leak held by a reference cycle is either still open when its test ends or was
# collected during it, and either way fails that test (not only when the collector was late).
_opened: set[int] = set()
_checked_out: set[int] = set()
_collected: set[int] = set()
_collecting: set[int] = set()  # the threads running a garbage collection now


def _on_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _collecting.add(threading.get_ident())
    else:
        _collecting.discard(threading.get_ident())


def _on_checkout(dbapi, record, proxy) -> None:
    _opened.add(id(record))
    _checked_out.add(id(record))


def _on_checkin(dbapi, record) -> None:
    if threading.get_ident() in _collecting:
        _collected.add(id(record))
    _checked_out.discard(id(record))


gc.callbacks.append(_on_gc)
event.listen(Pool, "checkout", _on_checkout)
event.listen(Pool, "checkin", _on_checkin)


@pytest.fixture(autouse=True)
def open_connections_are_closed() -> Iterator[None]:
    """Fails a test that leaves a Dagster instance open. Its SQLite connections would be closed
    by whichever thread's garbage collection reaches them, which SQLite refuses; SQLAlchemy logs
    that with a traceback, and before Python 3.11.8 a traceback formatted while that thread is
    inside `ast.parse` (Streamlit's page scripts) breaks the parse ("AST constructor recursion
    depth mismatch", CPython gh-106905): a page then fails for nothing of ours."""
    _opened.clear()
    _collected.clear()
    yield
    left = _opened & (_checked_out | _collected)
    assert not left, (
        f"{len(left)} database connection(s) left open or to the garbage collector: use `with "
        "DagsterInstance.ephemeral() as instance` (or the `instance` fixture), not a bare "
        "DagsterInstance.ephemeral(); a context built with resources in a `with` too"
    )


@pytest.fixture(scope="session")
def spark():
    """The one SparkSession of the test session; assets run in-process reuse it. Its JVM gets
    PYSPARK_PYTHON as `sparkify spark-server`'s does (spark_connect.py), so Python work that a
    process sends it over Spark Connect (shared_spark; the Kafka data source) runs this venv's
    Python; this process's environment is left as it was."""
    with mock.patch.dict(os.environ, {"PYSPARK_PYTHON": sys.executable}):
        return TEST_SPARK.get_session()


@pytest.fixture(scope="session")
def shared_spark(spark) -> dict[str, str]:
    """The environment for a `sparkify` or Dagster process a test starts to run its Spark work
    on this worker's SparkSession (Spark Connect): warm, no JVM of its own. For tests of what
    runs do around Spark (the CLI's output, locks, the UI, the deployment); tests of a run's
    own Spark (killed runs, the demo, the benchmarks, Java errors) start their own."""
    return serve_spark_connect(spark)


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the sample, for tests that damage or remove input files."""
    target = tmp_path / "source"
    shutil.copytree(SAMPLE, target)
    return target


def _build_once_across_workers(fixture: str, tmp_path_factory) -> None:
    """Fails if another xdist worker of this run already built `fixture`: its tests were not
    kept together (_group_by_shared_fixtures), which would cost a second build, unnoticed."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return
    # Every worker's base temp dir is a child of one directory of this run.
    claim = tmp_path_factory.getbasetemp().parent / f"{fixture}.built-by"
    try:
        with claim.open("x") as file:
            file.write(worker)
    except FileExistsError:
        pytest.fail(f"{fixture} was built by {claim.read_text()} and again by {worker}")


@pytest.fixture(scope="session")
def sample_run(spark, tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The whole sample month materialized once (star tables and warehouse): its lake, and the
    run's result for tests of what the run did."""
    _build_once_across_workers("sample_run", tmp_path_factory)
    lake = tmp_path_factory.mktemp("sample") / "lake"
    result = run_pipeline(SAMPLE, lake, SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY, warehouse=True)
    assert result.success, "materializing the sample month failed"
    return lake, result


@pytest.fixture(scope="session")
def generated_month(spark, tmp_path_factory) -> tuple[GenerationSummary, Path]:
    """30 generated days materialized once (star tables and warehouse): every page kind the
    sample lacks (registrations, cancellations), damaged lines, plays of songs absent from the
    catalogue. The generator's summary, and the lake."""
    _build_once_across_workers("generated_month", tmp_path_factory)
    work = tmp_path_factory.mktemp("generated")
    source, lake = work / "source", work / "lake"
    summary = generate_lake(
        open_sink(str(source)),
        start=GENERATED_FIRST_DAY,
        days=GENERATED_DAYS,
        events_per_day=1_000,
        songs=300,
        seed=21,
        bad_line_rate=0.004,
        absent_song_share=0.3,
    )
    last = GENERATED_FIRST_DAY + timedelta(days=GENERATED_DAYS - 1)
    result = run_pipeline(source, lake, GENERATED_FIRST_DAY, last, warehouse=True)
    assert result.success, "materializing the generated month failed"
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert not failed, f"checks failed on the generated month: {failed}"
    return summary, lake


@pytest.fixture(scope="session")
def sample_lake(sample_run) -> Path:
    """The whole sample month materialized once, shared read-only by the figure tests."""
    return sample_run[0]


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


# ---- Streaming ---------------------------------------------------------------------------------


def _broker_on_a_free_port(broker_class, tmp_path_factory):
    from sparkify_dagster.local_server import free_port

    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with broker_class(free_port(), log_file=log) as broker:
        yield broker.bootstrap_servers


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory) -> str:
    """A real Kafka-compatible broker (Tansu, in memory) on a free 127.0.0.1 port for the test
    session; its bootstrap servers. Tests use topics of their own (helpers.unique_topics)."""
    from sparkify_dagster.streaming.broker import LocalBroker

    yield from _broker_on_a_free_port(LocalBroker, tmp_path_factory)


@pytest.fixture(scope="session")
def authenticating_broker(tmp_path_factory) -> str:
    """A broker that wants SASL from every client and knows no user (helpers.
    AuthenticatingBroker), for the test session; its bootstrap servers."""
    from sparkify_dagster_tests.streaming.helpers import AuthenticatingBroker

    yield from _broker_on_a_free_port(AuthenticatingBroker, tmp_path_factory)
