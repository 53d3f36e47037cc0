"""EMR's part for a moto server: moto accepts steps but never runs them, so this runs the exact
command of each submitted step on this machine and records the outcome back into moto.

The only changes to the command are those EMR's own step runner makes: s3:// arguments are
fetched to local files (spark-submit on EMR reads them from S3), and `spark-submit` is the one
of this Python environment. The step talks to Dagster through the moto S3 bucket (Pipes). Given
a standalone cluster, the steps run on it as EMR's run on the cluster's YARN: the node's environment
names the master; without one they run in local mode (the driver's JVM runs the tasks).
"""

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from moto.core.utils import utcnow
from moto.emr.models import emr_backends

from sparkify_dagster.spark_home import spark_home
from sparkify_dagster_tests.emr.standalone import Standalone

ACCOUNT, REGION = "123456789012", "us-east-1"
# The home every JVM of ours starts from, so that the steps' JVMs take Spark's class archive.
SPARK_HOME = spark_home()


@dataclass
class ExecutedStep:
    step_id: str
    cluster_id: str
    submitted_args: list[str]
    local_args: list[str]
    returncode: int
    log_dir: Path


@dataclass
class LocalStepExecutor:
    endpoint: str
    workdir: Path
    hold: bool = False  # leave steps RUNNING (timeout and cancellation tests)
    cluster: Standalone | None = None
    executed: list[ExecutedStep] = field(default_factory=list)
    _seen: set = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "LocalStepExecutor":
        # Steps of earlier tests (moto keeps them, some RUNNING forever) are not ours to run.
        self._since = utcnow()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=600)

    def seen_steps(self) -> list[tuple[str, str]]:
        """(cluster id, step id) of every step submitted since the executor started."""
        return sorted(self._seen)

    @staticmethod
    def clusters() -> dict:
        return emr_backends[ACCOUNT][REGION].clusters

    def _loop(self) -> None:
        while not self._stop.is_set():
            for cluster in list(self.clusters().values()):
                for step in list(cluster.steps):
                    if (
                        (cluster.id, step.id) in self._seen
                        or step.state not in ("PENDING", "RUNNING")
                        or step.creation_date_time < self._since
                    ):
                        continue
                    self._seen.add((cluster.id, step.id))
                    if not self.hold:
                        self._run(cluster, step)
            time.sleep(0.2)

    def _run(self, cluster, step) -> None:
        step.state = "RUNNING"
        step.start()
        log_dir = self.workdir / cluster.id / "steps" / step.id
        log_dir.mkdir(parents=True)
        local_args = [self._localize(arg, log_dir) for arg in step.args]
        local_args[0] = str(SPARK_HOME / "bin" / "spark-submit")
        if self.cluster is None:
            env = {**os.environ, "SPARK_HOME": str(SPARK_HOME)}
        else:
            env = self.cluster.submit_environment()
        env["AWS_ENDPOINT_URL"] = self.endpoint
        with (log_dir / "stdout").open("w") as out, (log_dir / "stderr").open("w") as err:
            code = subprocess.run(local_args, env=env, stdout=out, stderr=err).returncode
        step.end_date_time = utcnow()
        if code == 0:
            step.state = "COMPLETED"
        else:
            step.state = "FAILED"
            step.last_state_change_reason = _last_error_line((log_dir / "stderr").read_text())
        self.executed.append(
            ExecutedStep(step.id, cluster.id, list(step.args), local_args, code, log_dir)
        )

    def _localize(self, arg: str, log_dir: Path) -> str:
        if not arg.startswith("s3://"):
            return arg
        bucket, _, key = arg.removeprefix("s3://").partition("/")
        target = log_dir / "s3" / key.rsplit("/", 1)[-1]
        target.parent.mkdir(exist_ok=True)
        boto3.client("s3", endpoint_url=self.endpoint).download_file(bucket, key, str(target))
        return str(target)


def _last_error_line(stderr: str) -> str:
    """The exception line of a Python traceback, as EMR's failure details would summarise it."""
    errors = re.findall(r"^(?:[\w.]+)(?:Error|Exception): .*$", stderr, flags=re.MULTILINE)
    return errors[-1].strip() if errors else "step failed"
