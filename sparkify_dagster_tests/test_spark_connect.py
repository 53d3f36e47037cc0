"""A long-lived Spark that runs share (`sparkify spark-server`, SPARKIFY_SPARK_REMOTE): runs on it
write what runs with their own Spark write, and start no JVM of their own."""

import re
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from sparkify_dagster.local_server import free_port
from sparkify_dagster.settings import KAFKA_TOPICS, SPARK_DRIVER_MEMORY, SPARK_REMOTE
from sparkify_dagster.spark_connect import connect_url, server_answers
from sparkify_dagster.streaming.broker import LocalBroker
from sparkify_dagster.streaming.ingest import raw_path
from sparkify_dagster.streaming.kafka import ensure_topics
from sparkify_dagster_tests.helpers import (
    FRESH_DAYS,
    SAMPLE,
    SPARKIFY,
    assert_fresh_days_equal_the_month,
    cli_environment,
)
from sparkify_dagster_tests.streaming.helpers import client_config, produce, unique_topics

pytestmark = pytest.mark.slow  # a Spark Connect server, and runs in new processes


@pytest.fixture(scope="module")
def spark_server(tmp_path_factory) -> str:
    """`sparkify spark-server` on a free port, as a user starts it; its URL. Stopping it (SIGTERM,
    as make or a process manager does) must leave nothing listening."""
    port = free_port()
    log = tmp_path_factory.mktemp("spark_server") / "server.log"
    environment = {**cli_environment(), SPARK_DRIVER_MEMORY.name: "2g"}
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*SPARKIFY, "spark-server", "--port", str(port)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = connect_url(port)
    deadline = time.monotonic() + 180
    while f"Spark Connect server on {url}" not in log.read_text(errors="replace"):
        assert server.poll() is None, f"the server exited: {log.read_text()}"
        assert time.monotonic() < deadline, f"no server after 180 s: {log.read_text()}"
        time.sleep(0.5)
    yield url
    server.send_signal(signal.SIGTERM)
    assert server.wait(60) == 0, log.read_text()
    assert not server_answers(url, timeout_s=1), "the JVM outlived `sparkify spark-server`"


def _without_java(url: str) -> dict[str, str]:
    """A run's environment whose JAVA_HOME has no Java: a run that started its own Spark would
    fail at once (JavaNotFoundError), so only a run that uses the server succeeds."""
    return {**cli_environment(), SPARK_REMOTE.name: url, "JAVA_HOME": "/nonexistent-java"}


def _sparkify(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SPARKIFY, *args], capture_output=True, text=True, timeout=600, env=environment
    )


def test_a_run_on_the_shared_spark_writes_the_tables_a_run_with_its_own_spark_writes(
    spark_server, sample_lake, tmp_path
):
    lake = tmp_path / "lake"
    days = [day.isoformat() for day in FRESH_DAYS]

    result = _sparkify(
        _without_java(spark_server),
        *("run", "--source", str(SAMPLE), "--lake", str(lake), "--start", days[0]),
        *("--end", days[-1]),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Spark sessions started: 1" in result.stdout
    assert_fresh_days_equal_the_month(lake, sample_lake)


def test_micro_batches_on_the_shared_spark_land_each_message_once_and_fail_in_one_line(
    spark_server, kafka_broker, tmp_path
):
    topic = unique_topics()["page_view_events"]
    ensure_topics(client_config(kafka_broker), [topic], 2)
    environment = {**_without_java(spark_server), KAFKA_TOPICS.name: topic}
    ingest = ("ingest", "--kafka", kafka_broker, "--lake", str(tmp_path))
    first = [f"first {i}".encode() for i in range(300)]
    later = [f"later {i}".encode() for i in range(200)]

    produce(kafka_broker, topic, first, **{"linger.ms": 50})
    one = _sparkify(environment, *ingest)
    produce(kafka_broker, topic, later, **{"linger.ms": 50})
    two = _sparkify(environment, *ingest)

    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert f"{topic}: 300 new message(s)" in one.stdout
    assert f"{topic}: 200 new message(s)" in two.stdout
    # The file sink's manifest lists what was committed; a killed run could leave more files.
    manifest = Path(raw_path(str(tmp_path), topic)) / "_spark_metadata"
    assert sorted(p.name for p in manifest.iterdir() if not p.name.startswith(".")) == ["0", "1"]
    values = ds.dataset(raw_path(str(tmp_path), topic), partitioning="hive").to_table(["value"])
    assert sorted(values.column("value").to_pylist()) == sorted(first + later)

    with LocalBroker(free_port()) as restarted:  # an empty broker: the checkpoint no longer fits
        ensure_topics(client_config(restarted.bootstrap_servers), [topic], 2)
        failed = _sparkify(
            environment, "ingest", "--kafka", restarted.bootstrap_servers, "--lake", str(tmp_path)
        )
    assert failed.returncode == 1
    (line,) = failed.stderr.strip().splitlines()
    assert re.fullmatch(
        rf"Error: {re.escape(topic)}\[[01]\] ends at offset 0 on the broker, before offset [1-9]\d* "
        r"already read: the broker lost messages .*",
        line,
    ), line
