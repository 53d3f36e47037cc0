"""A long-lived Spark that runs share: a Spark Connect server on this machine, started by us.

Every Dagster run, `sparkify run` and stream micro-batch is a new process, and with its own
Spark it pays a JVM start and cold Spark (class loading, code generation, the JIT) before a
small day's work: ~35-50 s for a day of a few hundred events. A Spark Connect server keeps one
driver JVM warm; a run process then holds only a thin gRPC client (settings.SPARK_REMOTE), and
its jobs start on a JIT-compiled driver whose generated code is cached across runs.

The server is PySpark's own (`org.apache.spark.sql.connect.service.SparkConnectServer`, in the
jars PySpark ships), started with spark-submit and the settings a local run's session would
have (SparkResource.spark_config: the pipeline's SQL settings, driver memory, JVM options, the
class archive), bound to 127.0.0.1. Its Python workers (the Kafka data source) run this Python,
the one with the project's packages. The lake's file operations stay in the run's process, so a
Connect server serves runs on the same machine (or the same mounted lake).
"""

import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

from sparkify_dagster.local_server import LOCALHOST, LocalServer
from sparkify_dagster.spark_home import spark_home

DEFAULT_PORT = 15002
SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


class SparkServerError(RuntimeError):
    """The Spark Connect server could not be started or reached; the message says why."""


def connect_url(port: int, host: str = LOCALHOST) -> str:
    return f"sc://{host}:{port}"


def connect_address(url: str) -> tuple[str, int]:
    """sc://HOST:PORT[/;params] → (HOST, PORT); Spark Connect's default port when none."""
    parsed = urlparse(url)
    if parsed.scheme != "sc" or not parsed.hostname:
        raise SparkServerError(f"{url!r} is not a Spark Connect URL: sc://HOST:PORT")
    return parsed.hostname, parsed.port or DEFAULT_PORT


def server_answers(url: str, timeout_s: float = 2.0) -> bool:
    """Whether something listens at the URL's address. Checked before a session is made: the
    Connect client retries an unreachable server for minutes before it fails."""
    try:
        with socket.create_connection(connect_address(url), timeout=timeout_s):
            return True
    except OSError:
        return False


class SparkConnectServer(LocalServer):
    """PySpark's Spark Connect server on 127.0.0.1:`port` with `spark_config` (a local run's
    session settings); a context manager that stops it (spark-submit and its JVM)."""

    name = "the Spark Connect server"
    error = SparkServerError
    start_timeout_s = 120.0  # a JVM, and Spark's context

    def __init__(
        self, spark_config: dict[str, str], port: int = DEFAULT_PORT, log_file: Path | None = None
    ) -> None:
        super().__init__(port, log_file)
        self.spark_config = spark_config

    @property
    def url(self) -> str:
        return connect_url(self.port)

    def command(self) -> list[str]:
        settings = {
            **self.spark_config,
            "spark.app.name": "sparkify Spark Connect server",
            "spark.connect.grpc.binding.address": LOCALHOST,
            "spark.connect.grpc.binding.port": str(self.port),
        }
        spark_submit = str(spark_home() / "bin" / "spark-submit")
        confs = [arg for key, value in settings.items() for arg in ("--conf", f"{key}={value}")]
        return [spark_submit, "--class", SERVER_CLASS, *confs]

    def environment(self) -> dict[str, str]:
        # Python workers (the Kafka data source) run this Python, which has the project's
        # packages; PySpark would start whatever `python3` is first on PATH.
        return {**os.environ, "SPARK_HOME": str(spark_home()), "PYSPARK_PYTHON": sys.executable}

    def answers(self, timeout_s: float) -> bool:
        return server_answers(self.url, timeout_s=timeout_s)
