"""Spark as a Dagster resource: one SparkSession per process, so one JVM start per run.

Every asset of a run shares the session (the jobs use the in-process executor): starting a
JVM costs ~7 s, more than most assets' work on a day of data. dagster-pyspark's
LazyPySparkResource starts the session, from the Spark settings this resource turns its fields
into; around it, this resource checks Java first (a clear message instead of a JVM launch
failure), starts the JVM from Spark's class archive when there is one (spark_class_archive.py)
and reuses a session already running in the process (a new resource instance per run, one
session for all). With `remote` set, the session is a Spark Connect client of a long-lived
server instead (spark_connect.py): no JVM in the run's process at all.
"""

import os
import re
import shutil
import subprocess
import sys
from importlib import resources as package_files
from pathlib import Path

import dagster as dg
from dagster_pyspark import LazyPySparkResource
from pydantic import Field
from pyspark import SparkContext
from pyspark.sql import SparkSession

from sparkify_dagster.resources import spark_class_archive as class_archive
from sparkify_dagster.settings import (
    SPARK_CLASS_ARCHIVE,
    SPARK_DRIVER_MEMORY,
    SPARK_MASTER,
    SPARK_REMOTE,
    Settings,
)
from sparkify_dagster.spark_connect import SparkServerError, server_answers
from sparkify_dagster.spark_home import launching_from_spark_home, spark_home
from sparkify_dagster.spark_settings import PIPELINE_CONF

MIN_JAVA = 17
_sessions_started = 0


class JavaNotFoundError(RuntimeError):
    pass


def sessions_started() -> int:
    """How many SparkSessions this process has started (the benchmark and CLI report it)."""
    return _sessions_started


def java_executable() -> str:
    """The `java` Spark will launch; a clear error when there is none."""
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise JavaNotFoundError(
            f"Spark needs Java {MIN_JAVA} or newer and none was found "
            f"(JAVA_HOME={java_home or 'unset'}, no `java` on PATH). Install it - "
            "Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`, "
            "macOS: `brew install openjdk@17` - or run `make java`, then retry."
        )
    return java


def java_major_version() -> int:
    """The major version of the `java` Spark will launch."""
    java = java_executable()
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


def class_archive_file() -> Path:
    """The class archive of the Java and the Spark here (resources/spark_class_archive.py)."""
    return class_archive.archive_file(java_executable(), spark_home())


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
    class_archive: bool = Field(
        default=SPARK_CLASS_ARCHIVE.default,
        description="Start the driver's JVM from the class archive when there is one "
        "(resources/spark_class_archive.py).",
    )
    remote: str = Field(
        default="",
        description="A Spark Connect server (sc://HOST:PORT) whose Spark the runs use instead "
        "of starting their own; empty: Spark in the run's process.",
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> "SparkResource":
        """The session every local run of these settings starts."""
        return cls(
            master=settings.spark_master,
            driver_memory=settings.spark_driver_memory,
            java_options=settings.spark_java_options or "",
            class_archive=settings.spark_class_archive,
            remote=settings.spark_remote or "",
        )

    def spark_config(self, archive_options: str = "") -> dict[str, str]:
        """The session's Spark settings: this resource's fields, then the pipeline's (which
        the transforms rely on), then `conf`, each overriding what comes before it;
        `archive_options` start the JVM from a class archive or write one."""
        java_options = f"-Duser.timezone=UTC -Dlog4j2.configurationFile=file:{_log4j_config()}"
        for extra in (archive_options, self.java_options):
            if extra:
                java_options += f" {extra}"
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

    def session_config(self) -> dict[str, str]:
        """spark_config(), starting from the class archive when there is one (and it is on)."""
        archive = class_archive_file() if self.class_archive else None
        usable = archive is not None and archive.is_file()
        return self.spark_config(class_archive.start_options(archive) if usable else "")

    def get_session(self) -> SparkSession:
        """The process's SparkSession, started on first use with this resource's settings."""
        global _sessions_started
        if self.remote:
            return self._connect()
        if SparkContext._active_spark_context is not None:
            return SparkSession.builder.getOrCreate()
        require_java()
        session = self._start(self.session_config())
        _sessions_started += 1
        return session

    def write_class_archive(self) -> Path:
        """Write class_archive_file(): start a JVM that writes it when it exits, load the
        pipeline's classes, stop the JVM and wait for it. In a process without a SparkSession:
        the archive is the JVM's that this starts."""
        if SparkContext._active_spark_context is not None:
            raise RuntimeError("a SparkSession is running in this process: its JVM cannot write")
        require_java()
        archive = class_archive_file()
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(f"{archive.name}.{os.getpid()}.partial")
        session = self._start(self.spark_config(class_archive.write_options(partial)))
        jvm = session.sparkContext._gateway.proc  # the driver JVM (spark-submit execs java)
        loaded = False
        try:
            class_archive.load_pipeline_classes(session)
            loaded = True
        finally:
            session.stop()
            if loaded:
                jvm.stdin.close()  # the JVM exits when its stdin closes, writing the archive first
            else:
                jvm.kill()  # its archive would be thrown away: not written (20-40 s here)
            code = jvm.wait(timeout=600)
            if not loaded or code != 0:  # no half-loaded or half-written archive is kept
                partial.unlink(missing_ok=True)
        if not partial.is_file():
            raise RuntimeError(f"Java wrote no class archive (exit code {code})")
        os.replace(partial, archive)
        class_archive.remove_other_archives(keep=archive)
        return archive

    def _connect(self) -> SparkSession:
        """The process's session on the Spark Connect server at `remote`."""
        global _sessions_started
        from pyspark.sql.connect.session import SparkSession as ConnectSession

        active = ConnectSession.getActiveSession()
        if active is not None and not active.is_stopped:
            return active
        if not server_answers(self.remote):
            raise SparkServerError(
                f"No Spark Connect server answers at {self.remote} ({SPARK_REMOTE.name}): "
                "start one with `sparkify spark-server`, or unset it to run Spark in the run's "
                "process"
            )
        session = SparkSession.builder.remote(self.remote).getOrCreate()
        # The server's defaults should be these already (`sparkify spark-server` starts it with
        # spark_config()); the transforms rely on them, so a session on any server gets them.
        for key, value in PIPELINE_CONF.items():
            if key.startswith("spark.sql.") and session.conf.isModifiable(key):
                session.conf.set(key, value)
        _sessions_started += 1
        return session

    def _start(self, config: dict[str, str]) -> SparkSession:
        # From our Spark home: its Python workers import the installed PySpark (spark_home.py).
        with launching_from_spark_home():
            session = LazyPySparkResource(spark_config=config).spark_session
        if self.master.startswith("local"):
            # Python workers (the Kafka data source, streaming/source.py) run this process's
            # Python, the one with the project's packages; PySpark would start whatever
            # `python3` is on PATH (PYSPARK_PYTHON unset), outside the venv.
            session.sparkContext.pythonExec = sys.executable
        return session
