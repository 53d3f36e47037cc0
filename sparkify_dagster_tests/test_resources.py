"""Resources refuse settings that cannot work and a lake in use; a failed step says why, in a
line or two."""

import logging
import time
from datetime import date

import dagster as dg
import pytest
from pyspark.errors.utils import is_debugging_enabled

from sparkify_dagster.assets import ALL_ASSETS
from sparkify_dagster.lake_lock import lake_lock
from sparkify_dagster.local_server import free_port
from sparkify_dagster.resources.compute import LocalSparkCompute
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.resources.spark import SparkResource, sessions_started
from sparkify_dagster.settings import Settings
from sparkify_dagster.spark_connect import SparkServerError, connect_url
from sparkify_dagster.spark_settings import PIPELINE_CONF
from sparkify_dagster.steps.catalogue import SONG_CATALOGUE_STEP
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP
from sparkify_dagster_tests.helpers import (
    CLEAN_ASSETS,
    SAMPLE,
    TEST_SPARK,
    UNPARTITIONED_ASSET_KEYS,
    run_pipeline,
)


@pytest.mark.parametrize(
    ("source", "lake", "name"),
    [("s3://bucket/raw", "data/lake", "source"), ("data/raw", "s3://bucket/lake", "lake")],
)
def test_s3_paths_with_local_spark_fail_with_a_clear_error(source, lake, name):
    compute = LocalSparkCompute(spark=SparkResource())
    request = SONG_CATALOGUE_STEP.request(source, lake)
    # Closed by the test: an ephemeral instance left to the garbage collector can print a
    # traceback when collected.
    expected = f"The {name} is .*local Spark reads and writes local"
    with dg.build_asset_context() as context, pytest.raises(ValueError, match=expected):
        compute.run(context, request)


def test_spark_settings_are_the_fields_then_the_pipelines_then_the_extra_conf():
    config = SparkResource(
        master="spark://h:7077",
        driver_memory="1g",
        shuffle_partitions=3,
        conf={"spark.sql.adaptive.enabled": "false"},
    ).spark_config()
    assert config["spark.master"] == "spark://h:7077"
    assert config["spark.driver.memory"] == "1g"
    assert config["spark.sql.shuffle.partitions"] == "3"
    assert config["spark.ui.enabled"] == "false"
    assert (
        "-Duser.timezone=UTC -Dlog4j2.configurationFile=file:"
        in (config["spark.driver.extraJavaOptions"])
    )
    assert config["spark.sql.adaptive.enabled"] == "false"  # conf overrides the pipeline's
    assert {k: config[k] for k in PIPELINE_CONF if k != "spark.sql.adaptive.enabled"} == {
        k: v for k, v in PIPELINE_CONF.items() if k != "spark.sql.adaptive.enabled"
    }


def test_the_process_keeps_one_session_started_with_the_resources_settings(spark):
    conf = spark.sparkContext.getConf()
    for key, value in TEST_SPARK.session_config().items():
        # Spark puts its own JVM options before ours.
        assert conf.get(key).endswith(value) if "JavaOptions" in key else conf.get(key) == value
    # PySpark read the pipeline's setting: Column calls send no call site to the JVM.
    assert not is_debugging_enabled()
    started = sessions_started()
    other = SparkResource(master="local[1]", shuffle_partitions=99)
    assert other.get_session().sparkContext is spark.sparkContext
    assert sessions_started() == started


def test_sparkify_env_chooses_where_steps_run():
    from sparkify_dagster.resources.emr import EmrSparkCompute
    from sparkify_dagster.resources.from_settings import build_resources

    assert isinstance(build_resources(Settings.from_env({}))["compute"], LocalSparkCompute)
    emr = {
        "SPARKIFY_ENV": "emr",
        "SPARKIFY_EMR_ARTIFACTS_URI": "s3://bucket/sparkify",
        "SPARKIFY_EMR_CORE_INSTANCE_COUNT": "5",
    }
    compute = build_resources(Settings.from_env(emr))["compute"]
    assert isinstance(compute, EmrSparkCompute)
    with dg.build_resources({"compute": compute}) as initialized:
        assert initialized.compute.cluster.core_instance_count == 5
        assert initialized.compute.artifacts_uri == "s3://bucket/sparkify"
    with pytest.raises(ValueError, match="SPARKIFY_ENV='cloud': expected one of local, emr"):
        Settings.from_env({"SPARKIFY_ENV": "cloud"})


def test_a_failed_step_reports_its_cause_in_the_run_log_and_its_trace_at_debug(
    spark, tmp_path, instance
):
    lake = tmp_path / "lake"
    (lake / "clean").mkdir(parents=True)
    blocker = lake / "clean" / "log_events"
    blocker.write_text("a file where the table's directory should be")
    day = date(2018, 11, 5)

    result = run_pipeline(SAMPLE, lake, day, day, selection=CLEAN_ASSETS, instance=instance)

    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == CLEAN_LOG_EVENTS_STEP.name
    error = failure.event_specific_data.error
    while error.cause is not None:  # Dagster wraps what the step raised
        error = error.cause
    assert error.cls_name == "StepFailed"
    assert error.message.strip().endswith(f"StepFailed: File exists: {blocker}")
    assert error.cause is None and error.context is None  # no JVM or Python trace attached
    debug = [r.user_message for r in instance.all_logs(result.run_id) if r.level == logging.DEBUG]
    assert any("Traceback" in m and "FileExistsError" in m for m in debug)


def test_a_step_on_a_lake_in_use_fails_naming_the_run_that_holds_it(spark, tmp_path):
    lake = tmp_path / "lake"
    compute = LocalSparkCompute(spark=TEST_SPARK, lake_lock_timeout_minutes=0)
    with lake_lock(str(lake), "the-other-run", dg.get_dagster_logger()):
        result = dg.materialize(
            ALL_ASSETS,
            selection=sorted(UNPARTITIONED_ASSET_KEYS),
            resources={
                "lake": LakeResource(source_root=str(SAMPLE), lake_root=str(lake)),
                "compute": compute,
            },
            raise_on_error=False,
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    error = failure.step_failure_data.error
    message = (error.cause or error).message
    assert f"LakeBusyError: lake {lake} in use by run the-other-run since " in message
    assert not (lake / "star").exists()


def test_a_spark_connect_server_that_does_not_answer_fails_at_once_saying_what_to_do():
    """The Connect client alone would retry an unreachable server for minutes."""
    url = connect_url(free_port())
    started = time.monotonic()

    with pytest.raises(SparkServerError) as failed:
        SparkResource.from_settings(Settings(spark_remote=url)).get_session()

    assert time.monotonic() - started < 10
    assert str(failed.value) == (
        f"No Spark Connect server answers at {url} (SPARKIFY_SPARK_REMOTE): start one with "
        "`sparkify spark-server`, or unset it to run Spark in the run's process"
    )
