"""Spark's class archive: named for the Java and Spark that can use it, written by a JVM when it
exits, mapped by the next session's JVM, and no obstacle when it is missing or damaged."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sparkify_dagster.resources import spark_class_archive as class_archive
from sparkify_dagster.resources.spark import SparkResource, class_archive_file, java_executable
from sparkify_dagster.spark_home import pyspark_spark_home, spark_home
from sparkify_dagster_tests.helpers import PROJECT_ROOT, QUICK_JVM, sparkify


def _fake_java(path: Path, version: str) -> str:
    path.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2025-04-15' >&2\n")
    path.chmod(0o755)
    return str(path)


def test_the_archive_is_named_for_the_java_and_the_spark_home_that_can_use_it(tmp_path):
    java17 = _fake_java(tmp_path / "java17", "17.0.15")
    home = spark_home()
    again = class_archive.archive_file(java17, home)
    assert class_archive.archive_file(java17, home) == again
    assert again.parent == class_archive.ARCHIVE_DIR and again.suffix == ".jsa"
    assert class_archive.archive_file(_fake_java(tmp_path / "java21", "21.0.2"), home) != again
    # The same jars through another home: another class path, which the archive cannot serve.
    assert class_archive.archive_file(java17, pyspark_spark_home()) != again


def test_the_archive_options_come_before_the_users_java_options():
    options = SparkResource(java_options="-XX:+UseSerialGC").spark_config("-XX:Archive=x")
    assert options["spark.driver.extraJavaOptions"].endswith(" -XX:Archive=x -XX:+UseSerialGC")
    off = SparkResource(class_archive=False).session_config()
    assert "SharedArchiveFile" not in off["spark.driver.extraJavaOptions"]


def _in_new_process(archive_dir: Path, body: str) -> subprocess.CompletedProcess:
    """`body` in a new Python process whose class archives live in `archive_dir`."""
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from sparkify_dagster.resources import spark_class_archive as class_archive
        from sparkify_dagster.resources.spark import SparkResource, java_executable
        class_archive.ARCHIVE_DIR = Path({str(archive_dir)!r})
        """
    ) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_java_starts_quietly_without_an_archive_it_cannot_use(tmp_path):
    damaged = tmp_path / "spark-classes-0.jsa"
    damaged.write_bytes(b"not an archive" * 1000)
    for archive in (damaged, tmp_path / "missing.jsa"):
        java = [java_executable(), *class_archive.start_options(archive).split(), "-version"]
        started = subprocess.run(java, capture_output=True, text=True, check=False)
        assert started.returncode == 0, started.stderr
        assert "cds" not in started.stdout + started.stderr


@pytest.mark.slow
def test_sparkify_class_archive_keeps_the_archive_it_finds_and_the_next_jvm_maps_it():
    """`make test` wrote it first (or the first command here writes it): the command then
    leaves it as it is, whole, and a new session's JVM maps it."""
    first = sparkify("class-archive")
    assert first.returncode == 0, first.stderr[-2000:]
    archive = class_archive_file()
    written = archive.stat().st_mtime_ns
    again = sparkify("class-archive")
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.strip() == f"Spark's class archive is there: {archive}"
    assert archive.stat().st_mtime_ns == written
    assert archive.stat().st_size > 1_000_000
    # No partial file, no older archive (beside them: the Spark home, spark_home.py).
    assert sorted(archive.parent.glob("*.jsa*")) == [archive]

    # -Xshare:on makes a JVM that cannot map its archive fail to start.
    mapped = _in_new_process(
        archive.parent,
        f"""
        spark = SparkResource(java_options={QUICK_JVM + " -Xshare:on"!r}).get_session()
        bean = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
        print([a for a in bean.getInputArguments() if "SharedArchiveFile" in a])
        print(spark.range(5).count())
        """,
    )
    assert mapped.returncode == 0, mapped.stderr[-3000:]
    assert mapped.stdout.split() == [f"['-XX:SharedArchiveFile={archive}']", "5"]


@pytest.mark.slow
def test_a_failed_archive_write_leaves_no_partial_file(tmp_path):
    failed = _in_new_process(
        tmp_path,
        f"""
        def fail(session):
            raise ValueError("the query failed")
        class_archive.load_pipeline_classes = fail
        try:
            SparkResource(java_options={QUICK_JVM!r}).write_class_archive()
        except ValueError as error:
            print(error)
        """,
    )
    assert failed.returncode == 0, failed.stderr[-3000:]
    assert failed.stdout.strip().splitlines()[-1] == "the query failed"
    assert list(tmp_path.iterdir()) == []
