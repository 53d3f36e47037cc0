"""The lake lock: one holder at a time, a clear message for whoever waits too long, and no lock
outliving its holder (a killed process, an expired S3 lease)."""

import json
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest

from sparkify_dagster.lake_lock import LakeBusyError, lake_lock
from sparkify_dagster_tests.helpers import RecordingLog


def _refused(lake: str, log: RecordingLog | None = None, **settings) -> str:
    """The message with which run-B is refused the lake (fails the test if it gets it)."""
    with (
        pytest.raises(LakeBusyError) as refused,
        lake_lock(lake, "run-B", log or RecordingLog(), **settings),
    ):
        pytest.fail("got a lock another holder has")
    return str(refused.value)


HOLD = """
import sys, time
from sparkify_dagster.lake_lock import lake_lock
class Log:
    def info(self, msg): pass
    warning = info
with lake_lock(sys.argv[1], "run-A", Log()):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_holder_waits_then_fails_naming_the_holder_and_a_killed_holders_lock_is_free(
    tmp_path,
):
    lake = tmp_path / "lake"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lake)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        log = RecordingLog()
        started = time.monotonic()
        message = _refused(str(lake), log, timeout_s=1.0, poll_s=0.2)
        assert time.monotonic() - started >= 1.0
        assert message.startswith(f"lake {lake} in use by run run-A since ")
        assert f"pid {holder.pid}" in message and "\n" not in message
        assert log.messages and log.messages[0].startswith(f"lake {lake} in use by run run-A")
        assert log.messages[0].endswith("; waiting (up to 1 s)")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()

    with lake_lock(str(lake), "run-B", RecordingLog(), timeout_s=0):
        assert json.loads((lake / "_lock").read_text())["run_id"] == "run-B"


def test_a_file_uri_lake_is_locked_like_its_directory(tmp_path):
    with lake_lock(f"file://{tmp_path}", "run-A", RecordingLog()):
        assert "in use by run run-A" in _refused(str(tmp_path), timeout_s=0)


def test_an_s3_lease_is_exclusive_renewed_released_and_taken_over_once_expired(
    s3_endpoint, s3_bucket
):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    lake = f"s3://{s3_bucket}/lake"
    key = "lake/_lock"
    with lake_lock(lake, "run-A", RecordingLog(), s3_client=s3, lease_ttl_s=0.6):
        # The conditional create (IfNoneMatch="*") refuses a second holder: moto honours it.
        message = _refused(lake, timeout_s=0.5, poll_s=0.1, s3_client=s3)
        assert message.startswith(f"lake {lake} in use by run run-A since ")
        time.sleep(2.5)  # past the TTL (and the second of slack), but renewed: still held
        assert "run run-A" in _refused(lake, timeout_s=0, s3_client=s3)
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_bucket, Prefix=key)

    # A holder that died: its lease is never renewed, and expires.
    dead = {"run_id": "run-dead", "host": "h", "pid": 1, "since": "T", "ttl_s": 0.5}
    s3.put_object(Bucket=s3_bucket, Key=key, Body=json.dumps(dead).encode())
    log = RecordingLog()
    assert "in use by run run-dead" in _refused(lake, log, timeout_s=0, s3_client=s3)
    time.sleep(2.6)
    with lake_lock(lake, "run-B", log, timeout_s=0, s3_client=s3):
        held = json.loads(s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read())
        assert held["run_id"] == "run-B"
    assert any(m.startswith("Took over the expired lease of run run-dead") for m in log.messages)
