"""Spark as a Dagster resource: one SparkSession per process, so one JVM start per run.

Every asset of a run shares the session (the jobs use the in-process executor): starting a
JVM costs ~7 s, more than most assets' work on a day of data. dagster-pyspark's
LazyPySparkResource starts the session, from the Spark settings this resource turns its fields
into; around it, this resource checks Java first (a clear message instead of a JVM launch
failure) and reuses a session already running in the process (a new resource instance per run,
one session for all).
"""

import os
import re
import shutil
import subprocess
import sys
from importlib import resources as package_files

import dagster as dg
from dagster_pyspark import LazyPySparkResource
from pydantic import Field
from pyspark import SparkContext
from pyspark.sql import SparkSession

from sparkify_dagster.settings import SPARK_DRIVER_MEMORY, SPARK_MASTER, Settings
from sparkify_dagster.spark_settings import PIPELINE_CONF

MIN_JAVA = 17
_sessions_started = 0


class JavaNotFoundError(RuntimeError):
    pass


def sessions_started() -> int:
    """How many SparkSessions this process has started (the benchmark and CLI report it)."""
    return _sessions_started


def java_major_version() -> int:
    """The major version of the `java` Spark will launch; a clear error when there is none."""
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise JavaNotFoundError(
            f"Spark needs Java {MIN_JAVA} or newer and none was found "
            f"(JAVA_HOME={java_home or 'unset'}, no `java` on PATH). Install it - "
            "Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`, "
            "macOS: `brew install openjdk@17` - or run `make java`, then retry."
        )
    output = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output.stderr + output.stdout)
    if not match:
        raise JavaNotFoundError(f"Could not read the version of {java}: {output.stderr.strip()}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def require_java() -> None:
    major = java_major_version()
    if major < MIN_JAVA:
        raise JavaNotFoundError(
            f"Spark 4 needs Java {MIN_JAVA} or newer; found Java {major}. "
            "Install openjdk-17 and point JAVA_HOME at it."
        )


def _log4j_config() -> str:
    return str(package_files.files("sparkify_dagster.resources") / "log4j2.properties")


class SparkResource(dg.ConfigurableResource):
    """Local Spark by default; any master (e.g. spark://host:7077) by configuration."""

    master: str = Field(default=SPARK_MASTER.default, description="Spark master URL.")
    app_name: str = "sparkify"
    driver_memory: str = Field(
        default=SPARK_DRIVER_MEMORY.default, description="JVM heap of the driver (local mode)."
    )
    shuffle_partitions: int = Field(
        default=8, description="spark.sql.shuffle.partitions; AQE coalesces small ones."
    )
    ui_enabled: bool = Field(default=False, description="Start the Spark UI on port 4040.")
    java_options: str = Field(
        default="", description="Extra JVM options of the driver (local mode)."
    )
    conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark settings.")

    @classmethod
    def from_settings(cls, settings: Settings) -> "SparkResource":
        """The session every local run of these settings starts."""
        return cls(
            master=settings.spark_master,
            driver_memory=settings.spark_driver_memory,
            java_options=settings.spark_java_options or "",
        )

    def spark_config(self) -> dict[str, str]:
        """The session's Spark settings: this resource's fields, then the pipeline's (which
        the transforms rely on), then `conf`, each overriding what comes before it."""
        java_options = f"-Duser.timezone=UTC -Dlog4j2.configurationFile=file:{_log4j_config()}"
        if self.java_options:
            java_options += f" {self.java_options}"
        return {
            "spark.master": self.master,
            "spark.app.name": self.app_name,
            "spark.driver.memory": self.driver_memory,
            "spark.driver.extraJavaOptions": java_options,
            "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            "spark.ui.enabled": str(self.ui_enabled).lower(),
            "spark.ui.showConsoleProgress": "false",
            **PIPELINE_CONF,
            **self.conf,
        }

    def get_session(self) -> SparkSession:
        """The process's SparkSession, started on first use with this resource's settings."""
        global _sessions_started
        if SparkContext._active_spark_context is not None:
            return SparkSession.builder.getOrCreate()
        require_java()
        session = LazyPySparkResource(spark_config=self.spark_config()).spark_session
        _sessions_started += 1
        if self.master.startswith("local"):
            # Python workers (the Kafka data source, streaming/source.py) run this process's
            # Python, the one with the project's packages; PySpark would start whatever
            # `python3` is on PATH (PYSPARK_PYTHON unset), outside the venv.
            session.sparkContext.pythonExec = sys.executable
        return session
