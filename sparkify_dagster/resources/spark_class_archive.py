"""A class archive (Java's AppCDS) that Spark's driver JVM starts from: a new process is faster.

Each run process, `dagster dev` run worker or CLI run starts a new JVM. That JVM loads and
verifies tens of thousands of Spark classes before the first job of a small day can run. Java 17
can map those classes from an archive instead. A JVM writes the archive once when it exits, after
a small query like the steps' (`sparkify class-archive`; `make test` and `make dev` run it).
Measured here, a run of two small days in a new process takes ~10-15 % less (83 → 70 s).

The archive only fits the Java and the Spark (its home and jars, spark_home.py) that wrote it, so
its file name carries a fingerprint of them: after an upgrade of either, the old archive is not
found. Java also checks the archive itself and starts without it when it does not fit (quietly:
its CDS logging is off). So a run without a usable archive works as before, only slower.
"""

import functools
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

# Beside the installed packages: the virtualenv that `make install` creates holds its archive,
# and removing the virtualenv removes the archive (~200 MB).
ARCHIVE_DIR = Path(sys.prefix) / "share" / "sparkify"
_PREFIX = "spark-classes-"
# With Java's CDS logging on, a stale archive prints a warning on stdout in every process.
_QUIET = "-Xlog:cds=off -Xlog:cds+dynamic=off"


@functools.cache  # one `java -version` per process, however often a session or the CLI asks
def archive_file(java: str, spark_home: Path) -> Path:
    """Where the archive for this `java` and the jars of this Spark home is (whether or not it
    exists). The home is part of the name: the JVM's class path names it, and Java refuses an
    archive written with another class path."""
    fingerprint = hashlib.sha256(os.path.realpath(java).encode())
    version = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    fingerprint.update(version.stderr.encode())
    fingerprint.update(str(spark_home).encode())
    for jar in sorted((spark_home / "jars").glob("*.jar")):
        fingerprint.update(f"{jar.name}:{jar.stat().st_size}".encode())
    return ARCHIVE_DIR / f"{_PREFIX}{fingerprint.hexdigest()[:16]}.jsa"


def start_options(archive: Path) -> str:
    """The driver's JVM options to start from `archive`."""
    return f"-XX:SharedArchiveFile={archive} {_QUIET}"


def write_options(archive: Path) -> str:
    """The driver's JVM options to write the classes it loaded to `archive` when it exits."""
    return f"-XX:ArchiveClassesAtExit={archive} {_QUIET}"


def load_pipeline_classes(session: SparkSession) -> None:
    """Run a small query of the kinds the steps run: parse JSON, aggregate, write and read
    parquet. Most of Spark's classes load when the session starts: an archive written after
    every step had run on a day was 7 % bigger and took twice as long to write."""
    with tempfile.TemporaryDirectory(prefix="sparkify-class-archive-") as work:
        lines = session.createDataFrame(
            [('{"ts": 1541105830796, "page": "NextSong"}',)], "value STRING"
        )
        parsed = lines.select(F.from_json("value", "ts LONG, page STRING").alias("e")).select("e.*")
        counts = parsed.groupBy("page").agg(F.count("*").alias("n"))
        counts.write.parquet(str(Path(work, "counts")))
        session.read.parquet(str(Path(work, "counts"))).collect()


def remove_other_archives(keep: Path) -> None:
    """Archives of an earlier Java or PySpark: nothing can use them any more."""
    for old in keep.parent.glob(f"{_PREFIX}*.jsa"):
        if old != keep:
            old.unlink(missing_ok=True)
