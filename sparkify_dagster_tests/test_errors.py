"""describe_failure: real failures (file system, Spark analysis, Spark tasks) in a line or two."""

import os

import pytest

from sparkify_dagster.errors import describe_failure, quiet_pyspark_error_logs


def _assert_short(message: str) -> None:
    lines = message.splitlines()
    assert 1 <= len(lines) <= 2, message
    assert not any(line.lstrip().startswith("at ") for line in lines), message
    assert "JVM stacktrace" not in message and "Traceback" not in message


def test_an_os_error_says_what_went_wrong_with_which_path(tmp_path):
    blocker = tmp_path / "log_events"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(OSError) as not_a_dir:
        os.makedirs(blocker / "date=2018-11-05")
    with pytest.raises(OSError) as exists:
        os.mkdir(blocker)
    assert describe_failure(not_a_dir.value) == f"Not a directory: {blocker / 'date=2018-11-05'}"
    assert describe_failure(exists.value) == f"File exists: {blocker}"


def test_a_spark_analysis_error_gives_its_condition_and_message_without_jvm_frames(spark, tmp_path):
    missing = tmp_path / "no_such_table"
    spark.conf.set("spark.sql.pyspark.jvmStacktrace.enabled", "true")  # str() then has frames
    try:
        with pytest.raises(Exception) as failure:
            spark.read.parquet(str(missing))
    finally:
        spark.conf.unset("spark.sql.pyspark.jvmStacktrace.enabled")
    assert type(failure.value).__name__ == "AnalysisException"
    message = describe_failure(failure.value)
    _assert_short(message)
    assert message.startswith("[PATH_NOT_FOUND] Path does not exist: ")
    assert str(missing) in message


def test_a_failed_spark_task_gives_its_error_and_the_root_cause(spark, tmp_path):
    damaged = tmp_path / "part-00000.parquet"
    damaged.write_bytes(b"PAR1" + b"\x00" * 64)
    with pytest.raises(Exception) as failure:
        spark.read.schema("user_id long").parquet(str(damaged)).collect()
    assert type(failure.value).__name__ == "Py4JJavaError"
    message = describe_failure(failure.value)
    _assert_short(message)
    headline, cause = message.splitlines()
    assert headline.startswith("SparkException: [FAILED_READ_FILE")
    assert str(damaged) in headline
    assert cause.startswith("caused by ")


def test_pyspark_does_not_also_log_the_errors_a_step_reports(spark, capfd):
    quiet_pyspark_error_logs()  # as LocalSparkCompute and the EMR entrypoint do
    with pytest.raises(Exception) as failure:
        spark.sql("SELECT no_such_column FROM range(1)")
    assert type(failure.value).__name__ == "AnalysisException"
    assert "org.apache" not in capfd.readouterr().err


def test_a_python_workers_error_gives_the_exception_it_raised_not_its_traceback():
    from pyspark.errors import PythonException

    # Spark's text when a Python worker raised (a Python data source, a UDF), its stack cut.
    raised = PythonException(
        "[PYTHON_DATA_SOURCE_ERROR] Failed to plan Python data source read: "
        "Traceback (most recent call last):\n"
        '  File "/opt/app/sparkify_dagster/streaming/source.py", line 160, in read_range\n'
        "    consumer = manual_consumer(config)\n"
        "ValueError: bootstrap.servers is empty\n"
    )
    assert describe_failure(raised) == (
        "[PYTHON_DATA_SOURCE_ERROR] Failed to plan Python data source read: "
        "ValueError: bootstrap.servers is empty"
    )
