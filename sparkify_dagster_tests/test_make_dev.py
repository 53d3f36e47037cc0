"""`make dev` as a user runs it: the UI's daily partitions start at the raw lake's first day, its
tables' columns are described before any run, and Ctrl-C (or a `kill` of make) stops the
webserver, daemon and code server within 10 s."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from sparkify_dagster.local_server import free_port
from sparkify_dagster.tables import SONGPLAYS, description
from sparkify_dagster_tests.helpers import PROJECT_ROOT
from sparkify_dagster_tests.webserver_client import Webserver
from sparkify_generator import generate_lake, open_sink

FIRST_DAY = date(2024, 3, 4)
STOP_WITHIN_S = 10
DAGSTER_SERVICES = ("dagster_webserver", "dagster._daemon", "code-server")


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid → (parent pid, state, command line) of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The command name in parentheses may hold spaces: the fields follow the last ")".
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        found[int(entry.name)] = (int(ppid), state, cmdline)
    return found


def _descendants(root: int) -> dict[int, str]:
    """The running processes below `root`: pid → command line."""
    processes = _processes()
    below, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, cmdline) in processes.items():
            if ppid == parent and state != "Z":
                below[pid] = cmdline
                frontier.append(pid)
    return below


def _still_running(pids: dict[int, str]) -> dict[int, str]:
    """Those of `pids` that still run the same command (zombies count as stopped)."""
    now = _processes()
    return {
        pid: cmdline
        for pid, cmdline in pids.items()
        if pid in now and now[pid][1] != "Z" and now[pid][2] == cmdline
    }


def _songplays_as_shown(server: Webserver) -> tuple[str, list[tuple[str, str | None]]]:
    """The first partition of `songplays` and its columns (name, description) in the UI."""
    node = server.graphql(
        """{ assetNodeOrError(assetKey: {path: ["songplays"]}) { ... on AssetNode {
             partitionKeys
             metadataEntries { label ... on TableSchemaMetadataEntry {
               schema { columns { name description } } } } } } }"""
    )["assetNodeOrError"]
    (schema,) = [
        e["schema"] for e in node["metadataEntries"] if e["label"] == "dagster/column_schema"
    ]
    return node["partitionKeys"][0], [(c["name"], c["description"]) for c in schema["columns"]]


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["ctrl-c", "kill"])
def test_make_dev_serves_the_lake_and_stops_within_ten_seconds(tmp_path, stop):
    raw = tmp_path / "raw"
    generate_lake(
        open_sink(str(raw)), start=FIRST_DAY, days=2, events_per_day=200, songs=20, seed=3
    )
    venv = Path(sys.prefix)
    port = free_port()
    log = tmp_path / "make_dev.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPARKIFY_", "DAGSTER_", "MAKE")) and k != "MFLAGS"
    }
    env["PYTHONPATH"] = str(PROJECT_ROOT)  # this checkout's code, whatever the venv installed
    command = [
        "make",
        "--no-print-directory",
        "-o",  # never (re)install into the test's virtualenv
        f"{venv}/.installed",
        "dev",
        f"VENV={venv}",
        f"RAW={raw}",
        f"LAKE={tmp_path / 'lake'}",
        f"DAGSTER_HOME={tmp_path / 'home'}",
        f"DEV_PORT={port}",
    ]
    with log.open("w") as out:
        # A session of its own, as a terminal gives a job: make leads the foreground group.
        make = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Webserver(f"http://127.0.0.1:{port}", [log])
    services: dict[int, str] = {}
    try:
        server.wait_for("the webserver and the code location", server.loaded_location, 300)
        first_partition, columns = _songplays_as_shown(server)
        assert first_partition == FIRST_DAY.isoformat()
        assert columns == [(f.name, description(f)) for f in SONGPLAYS.columns.fields]
        assert "Warning" not in log.read_text(), log.read_text()[-3000:]
        services = {p: c for p, c in _descendants(make.pid).items() if "dagster" in c}
        for name in DAGSTER_SERVICES:
            assert any(name in c for c in services.values()), (name, services)

        stopped_at = time.monotonic()
        if stop == "ctrl-c":
            os.killpg(make.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        else:
            os.kill(make.pid, signal.SIGTERM)
        running = _still_running(services)
        while running and time.monotonic() - stopped_at < STOP_WITHIN_S:
            time.sleep(0.2)
            running = _still_running(services)
        assert not running, f"{running}\n{server.log_tails()}"
        make.wait(STOP_WITHIN_S)
    finally:
        for pid in _still_running(services):
            os.kill(pid, signal.SIGKILL)
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
