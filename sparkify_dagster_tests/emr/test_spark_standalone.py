"""The step entrypoint on a real distributed engine: a Spark standalone master and one worker
started from the pyspark install on 127.0.0.1, each step submitted with spark-submit in client
mode with the code package (CodePackage) shipped with --py-files.

The moto tests submit steps in local mode, where the tasks run inside the driver's JVM. Here, as
on EMR, the driver registers with a cluster manager and its tasks are serialized to executors the
worker launches in their own JVMs, which fetch the zip from the driver: the tables must still be
exactly those local Spark writes.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyspark
import pytest

from sparkify_dagster.emr.packaging import ENTRY_NAME, ZIP_NAME, CodePackage
from sparkify_dagster.local_server import free_port
from sparkify_dagster.steps import ALL_STEPS, StepReport, StepRequest
from sparkify_dagster.steps.catalogue import SONG_CATALOGUE_STEP
from sparkify_dagster.steps.entrypoint import REPORT_PREFIX
from sparkify_dagster.steps.star import SONGPLAYS_STEP
from sparkify_dagster_tests.emr.helpers import DAY
from sparkify_dagster_tests.helpers import lake_snapshot, quick_submit_jvm

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("java") is None and "JAVA_HOME" not in os.environ, reason="Spark needs Java"
    ),
]

SPARK_HOME = Path(pyspark.__file__).parent
# Short-lived JVMs on a small machine: the C1 compiler alone halves their CPU time.
STARTUP_TIMEOUT_S = 90
STEP_TIMEOUT_S = 300


@dataclass(frozen=True)
class Standalone:
    master_url: str  # spark://127.0.0.1:<port>
    webui: str  # http://127.0.0.1:<port>
    work_dir: Path  # the worker's: one directory per application, one per executor in it
    log_dir: Path

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.webui}/json/", timeout=5) as response:
            return json.load(response)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.log_dir.glob("*.log"))
        )


def _spark_env() -> dict[str, str]:
    env = {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_JAVA_OPTS": quick_submit_jvm(),
        # Not UTC, unlike the in-process session: steps must not depend on the node's zone.
        "TZ": "America/New_York",
    }
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    return env


def _start(name: str, args: list[str], log_dir: Path) -> subprocess.Popen:
    with (log_dir / f"{name}.log").open("w") as log:
        return subprocess.Popen(
            [str(SPARK_HOME / "bin" / "spark-class"), *args],
            env=_spark_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )


def _stop(process: subprocess.Popen) -> None:
    """Killed: the cluster's own shutdown is not under test, and its JVMs took 20 s over it."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory) -> Iterator[Standalone]:
    """One master and one worker (1 core, 1 GiB), stopped however the test ends."""
    root = tmp_path_factory.mktemp("standalone")
    port, master_ui, worker_ui = free_port(), free_port(), free_port()
    cluster = Standalone(
        master_url=f"spark://127.0.0.1:{port}",
        webui=f"http://127.0.0.1:{master_ui}",
        work_dir=root / "work",
        log_dir=root,
    )
    processes = []

    def wait_until(ready, what: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            exited = [p.args[1] for p in processes if p.poll() is not None]
            assert not exited, f"{exited} exited while starting:\n{cluster.logs()}"
            try:
                if ready(cluster.state()):
                    return
            except OSError:
                pass  # the master's web UI is not up yet
            assert time.monotonic() < deadline, (
                f"{what} within {STARTUP_TIMEOUT_S}s:\n{cluster.logs()}"
            )
            time.sleep(0.3)

    try:
        master = ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
        master += ["--port", str(port), "--webui-port", str(master_ui)]
        processes.append(_start("master", master, root))
        # A worker that registers before the master is elected leader waits for a retry.
        wait_until(lambda state: state.get("status") == "ALIVE", "the master was not ALIVE")
        worker = ["org.apache.spark.deploy.worker.Worker", cluster.master_url]
        worker += ["--host", "127.0.0.1", "--cores", "1", "--memory", "1g"]
        worker += ["--webui-port", str(worker_ui), "--work-dir", str(cluster.work_dir)]
        processes.append(_start("worker", worker, root))
        wait_until(
            lambda state: [w["state"] for w in state.get("workers", ())] == ["ALIVE"],
            "the worker did not register",
        )
        yield cluster
    finally:
        for process in reversed(processes):
            _stop(process)


def _submit(cluster: Standalone, code_dir: Path, request: StepRequest) -> StepReport:
    """spark-submit the entry script in client mode, as an EMR step does; its report back."""
    done = subprocess.run(
        [
            str(SPARK_HOME / "bin" / "spark-submit"),
            *("--master", cluster.master_url, "--deploy-mode", "client"),
            *("--driver-memory", "1g", "--executor-memory", "1g", "--total-executor-cores", "1"),
            *("--conf", f"spark.pyspark.python={sys.executable}"),
            *("--conf", f"spark.pyspark.driver.python={sys.executable}"),
            *("--driver-java-options", quick_submit_jvm()),
            *("--conf", f"spark.executor.extraJavaOptions={quick_submit_jvm()}"),
            *("--conf", "spark.sql.shuffle.partitions=2", "--conf", "spark.ui.enabled=false"),
            *("--py-files", str(code_dir / ZIP_NAME), str(code_dir / ENTRY_NAME)),
            *("--request", json.dumps(request.to_dict())),
        ],
        cwd=code_dir,
        env=_spark_env(),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
    )
    # spark-submit's PythonRunner merges the Python process's stderr (the step's log, a
    # traceback) into its stdout; the JVM's log4j output is its stderr.
    assert done.returncode == 0, (
        f"step {request.step} failed ({done.returncode}):\n{done.stderr[-4000:]}\n"
        f"{done.stdout[-4000:]}\n{cluster.logs()}"
    )
    lines = done.stdout.splitlines()
    assert any(
        f" Step {request.step} (" in line and "/sparkify_dagster.zip/sparkify_dagster/" in line
        for line in lines
    ), f"the driver did not run the shipped zip:\n{done.stdout[-3000:]}"
    (report,) = [line for line in lines if line.startswith(REPORT_PREFIX)]
    return StepReport.from_dict(json.loads(report.removeprefix(REPORT_PREFIX)))


def test_steps_run_on_a_spark_standalone_cluster_write_the_same_tables_as_local_spark(
    standalone, raw_lake, local_reference, tmp_path
):
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    for name, body in CodePackage.build(python=sys.executable).files.items():
        (code_dir / name).write_bytes(body)
    lake = tmp_path / "lake"

    reports = {}
    for step in ALL_STEPS:  # in dependency order
        days = () if step is SONG_CATALOGUE_STEP else (DAY,)
        reports[step.name] = _submit(
            standalone, code_dir, step.request(str(raw_lake), str(lake), days)
        )

    # Each submit was an application of the cluster, run by an executor of the worker.
    state = standalone.state()
    apps = state["completedapps"] + state["activeapps"]
    assert sorted(a["name"] for a in apps) == sorted(f"sparkify {s}" for s in reports)
    for app in apps:
        executors = list((standalone.work_dir / app["id"]).glob("*/stderr"))
        assert executors, f"no executor of {app['name']} ran on the worker"
        assert any("Running task" in e.read_text(errors="replace") for e in executors)

    # The reports describe what was written.
    (songplays,) = reports[SONGPLAYS_STEP.name].tables
    assert songplays.partition == DAY.isoformat()
    assert songplays.path == str(lake / "star" / "songplays" / f"date={DAY}")
    snapshot = lake_snapshot(lake)
    assert songplays.row_count == len(snapshot[f"star/songplays/date={DAY}"][0]) > 0
    assert all(c.passed for r in reports.values() for c in r.checks if not c.warn_only)

    # The tables are exactly those local Spark writes from the same input.
    assert {k: rows for k, (rows, _) in snapshot.items()} == local_reference
