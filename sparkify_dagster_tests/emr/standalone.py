"""A Spark standalone master and one worker on 127.0.0.1, started from the pyspark install: the
EMR tests' stand-in for a cluster's nodes.

On EMR a step's spark-submit names no master: the node's configuration points it at the cluster
manager (YARN). Here the node's environment (`submit_environment`) points it at this master, so the
driver registers with a cluster manager and its tasks are serialized to executors the worker
launches in their own JVMs, which fetch the code zip from the driver, as on EMR.

The environment, not a spark-defaults.conf in a SPARK_CONF_DIR of its own: Spark puts that
directory first on the driver's class path, and Java then refuses Spark's class archive (its
class path must start as the archive's did): each step's driver loaded every class from the jars,
~5 s more of CPU per step here.
"""

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sparkify_dagster.local_server import free_port
from sparkify_dagster.spark_home import spark_home
from sparkify_dagster_tests.helpers import quick_submit_jvm

# The home every JVM of ours starts from, so that the steps' JVMs take Spark's class archive.
SPARK_HOME = spark_home()
STARTUP_TIMEOUT_S = 90
# Not UTC, unlike the tests' own session: steps must not depend on the nodes' zone.
NODE_TIMEZONE = "America/New_York"


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

    def submit_environment(self) -> dict[str, str]:
        """spark-submit's on a node: the master named by the node's environment (MASTER, which
        spark-submit reads when neither its arguments nor spark-defaults.conf name one). A step
        takes the worker's one core and the default 1 GiB for its executor."""
        return {**node_environment(), "MASTER": self.master_url}

    def executor_logs(self, app_id: str) -> list[str]:
        """The stderr of each executor the worker ran for an application."""
        return [p.read_text(errors="replace") for p in (self.work_dir / app_id).glob("*/stderr")]


def node_environment() -> dict[str, str]:
    env = {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_JAVA_OPTS": quick_submit_jvm(),
        "TZ": NODE_TIMEZONE,
    }
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    return env


@contextmanager
def standalone_cluster(root: Path) -> Iterator[Standalone]:
    """One master and one worker (1 core, 1 GiB), killed however the block ends: the cluster's
    own shutdown is not under test, and its JVMs took 20 s over it."""
    port, master_ui, worker_ui = free_port(), free_port(), free_port()
    cluster = Standalone(
        master_url=f"spark://127.0.0.1:{port}",
        webui=f"http://127.0.0.1:{master_ui}",
        work_dir=root / "work",
        log_dir=root,
    )
    processes: list[subprocess.Popen] = []

    def start(name: str, args: list[str]) -> None:
        with (root / f"{name}.log").open("w") as log:
            processes.append(
                subprocess.Popen(
                    [str(SPARK_HOME / "bin" / "spark-class"), *args],
                    env=node_environment(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: killed as a whole
                )
            )

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
        start("master", [*master, "--port", str(port), "--webui-port", str(master_ui)])
        # A worker that registers before the master is elected leader waits for a retry.
        wait_until(lambda state: state.get("status") == "ALIVE", "the master was not ALIVE")
        worker = ["org.apache.spark.deploy.worker.Worker", cluster.master_url]
        worker += ["--host", "127.0.0.1", "--cores", "1", "--memory", "1g"]
        start(
            "worker", [*worker, "--webui-port", str(worker_ui), "--work-dir", str(cluster.work_dir)]
        )
        wait_until(
            lambda state: [w["state"] for w in state.get("workers", ())] == ["ALIVE"],
            "the worker did not register",
        )
        yield cluster
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
