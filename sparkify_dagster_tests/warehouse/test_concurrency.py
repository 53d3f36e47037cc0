"""One writer at a time on the warehouse, readers never blocked: builds take the lake lock, and
readers open the read copy a successful build publishes."""

import hashlib
import json
import subprocess
import sys
import time
from datetime import date

import duckdb
import pytest

from sparkify_dagster.dbt_project import Warehouse
from sparkify_dagster.lake_lock import LOCK_NAME
from sparkify_dagster.query import connect
from sparkify_dagster.settings import Settings
from sparkify_dagster_tests.helpers import failure_message, materialize_warehouse

DAY = date(2018, 11, 15)
SPARKIFY = [sys.executable, "-m", "sparkify_dagster.cli"]


def _holder(lake) -> dict:
    try:
        return json.loads((lake / LOCK_NAME).read_text() or "{}")
    except (OSError, ValueError):
        return {}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow  # a whole warehouse build in a new process (sparkify dbt build), ~30 s
def test_a_run_waits_for_a_sparkify_dbt_build_on_the_same_lake_and_both_succeed(
    warehouse_lake, instance
):
    """Two dbt processes on one DuckDB file at once would fail the second (DuckDB's lock);
    with the lake lock the run waits for the command and both build."""
    command = subprocess.Popen(
        [
            *SPARKIFY,
            "dbt",
            "--lake",
            str(warehouse_lake),
            "build",
            "--event-time-start",
            "2018-11-14T00:00:00",
            "--event-time-end",
            "2018-11-15T00:00:00",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _holder(warehouse_lake).get("run_id") != "sparkify dbt build":
            assert command.poll() is None, command.communicate()
            assert time.monotonic() < deadline, "sparkify dbt build never took the lake"
            time.sleep(0.1)
        result = materialize_warehouse(warehouse_lake, DAY, DAY, instance=instance)
        out, err = command.communicate(timeout=300)
    finally:
        if command.poll() is None:
            command.kill()
    assert command.returncode == 0, out[-3000:] + err[-3000:]
    assert result.success, failure_message(result)
    waited = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if "in use by run sparkify dbt build" in entry.user_message
    ]
    assert waited and waited[0].startswith(f"lake {warehouse_lake} in use by")


def test_readers_query_the_read_copy_while_a_build_holds_the_warehouse_file(warehouse_lake):
    warehouse = Warehouse.from_settings(Settings(lake=str(warehouse_lake)))
    hold = (
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", hold, str(warehouse.file)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "held"
        # The build file itself is closed to every other process while a writer has it open...
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(warehouse.file), read_only=True)
        # ...the read copy is not.
        con = connect(warehouse_lake, warehouse.read_copy)
        assert con.execute("SELECT count(*) FROM dim_users WHERE current_row").fetchone() == (97,)
    finally:
        writer.kill()
        writer.wait()


def test_a_failed_build_fails_in_one_line_and_leaves_the_previous_read_copy(warehouse_lake):
    warehouse = Warehouse.from_settings(Settings(lake=str(warehouse_lake)))
    published = _digest(warehouse.read_copy)
    # dim_songs, a table rebuilt in every run, reads every file of songs.
    (warehouse_lake / "star" / "songs" / "part-99999-damaged.parquet").write_bytes(b"damaged")

    result = materialize_warehouse(warehouse_lake, DAY, DAY)

    assert not result.success
    message = failure_message(result)
    assert message.startswith("dbt build failed: ") and "\n" not in message
    assert "dim_songs" in message and "skipped" in message
    assert _digest(warehouse.read_copy) == published
