"""Runs in EMR mode against moto: the cluster's whole life, steps through Pipes, failures."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import boto3
import dagster as dg
import pyarrow.dataset as ds
import pytest

from sparkify_dagster.assets.stream import STREAM_KIND
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.emr.tags import MANAGED_TAG, RUN_ID_TAG, tag_dict
from sparkify_dagster.settings import Settings
from sparkify_dagster.steps import ALL_STEPS, STREAM_STEPS
from sparkify_dagster.steps.catalogue import SONG_CATALOGUE_STEP
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP, QUARANTINE_SHARE_BELOW_THRESHOLD
from sparkify_dagster.steps.stream_events import CLEAN_STREAM_EVENTS_STEP
from sparkify_dagster.steps.stream_ingest import MESSAGES_READ, STREAM_INGEST_STEP
from sparkify_dagster.streaming import streamify
from sparkify_dagster.streaming.ingest import raw_path
from sparkify_dagster.tables import LOG_EVENTS, QUARANTINED_MESSAGES, raw_table
from sparkify_dagster_tests.emr.helpers import (
    DAY,
    emr_compute,
    run_log_messages,
    run_on_emr,
    start_cluster,
)
from sparkify_dagster_tests.helpers import lake_snapshot
from sparkify_dagster_tests.streaming.helpers import streamed_world


def _cluster(cluster_id: str) -> dict:
    return boto3.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]


def _clusters_of(run_id: str) -> list[dict]:
    """The clusters a run created (tagged with its run id)."""
    clusters = [_cluster(c["Id"]) for c in boto3.client("emr").list_clusters()["Clusters"]]
    return [c for c in clusters if tag_dict(c).get(RUN_ID_TAG) == run_id]


def _only_cluster_of(result: dg.ExecuteInProcessResult) -> dict:
    mine = _clusters_of(result.run_id)
    assert len(mine) == 1, f"expected one cluster for run {result.run_id}, found {len(mine)}"
    return mine[0]


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures, "the run did not fail"
    error = failures[0].step_failure_data.error
    return (error.cause or error).message


def test_a_run_creates_a_tagged_cluster_runs_each_asset_as_a_step_and_terminates_it(
    artifacts_uri, cluster_executor, standalone, raw_lake, local_reference, tmp_path, instance
):
    """The steps run on a real distributed engine (a standalone master and worker): each
    driver's tasks are serialized to an executor in its own JVM, which runs them with the code
    zip it fetched from the driver; the tables must still be exactly those local Spark writes."""
    executor = cluster_executor
    result = run_on_emr(emr_compute(artifacts_uri), raw_lake, tmp_path / "lake", instance=instance)
    assert result.success

    cluster = _only_cluster_of(result)
    tags = tag_dict(cluster)
    assert tags[MANAGED_TAG] == "sparkify_dagster"
    assert cluster["Status"]["State"] == "TERMINATED"
    # One step per asset function, each the same spark-submit of the published package.
    assert [s.returncode for s in executor.executed] == [0] * 5
    steps = boto3.client("emr").list_steps(ClusterId=cluster["Id"])["Steps"]
    assert {s["Status"]["State"] for s in steps} == {"COMPLETED"}
    for executed in executor.executed:
        args = executed.submitted_args
        assert args[0] == "spark-submit" and "--dagster-pipes-context" in args
        assert args[args.index("--py-files") + 1].startswith(f"{artifacts_uri}/code/")
    # Each step was an application of the cluster, whose tasks an executor of the worker ran.
    state = standalone.state()
    apps = state["completedapps"] + state["activeapps"]
    assert sorted(a["name"] for a in apps) == sorted(f"sparkify {s.name}" for s in ALL_STEPS)
    for app in apps:
        assert any("Running task" in log for log in standalone.executor_logs(app["id"])), app
    # The steps ran the published zip (not this checkout) and logged through Pipes.
    messages = run_log_messages(instance, result.run_id)
    started = [m for m in messages if m.startswith("Step ") and " from " in m]
    assert len(started) == 5
    assert all("/s3/sparkify_dagster.zip/sparkify_dagster/__init__.py" in m for m in started)
    assert any(m.startswith("Wrote songplays (") for m in messages)

    # The steps' reports came back as materialization metadata…
    lake = tmp_path / "lake"
    materialized = {
        (m.asset_key.to_user_string(), m.partition): m.metadata
        for m in result.asset_materializations_for_node(CLEAN_LOG_EVENTS_STEP.name)
        + result.asset_materializations_for_node("songplays")
        + result.asset_materializations_for_node(SONG_CATALOGUE_STEP.name)
    }
    songplays = materialized[("songplays", DAY.isoformat())]
    assert songplays["dagster/row_count"].value > 0
    assert songplays["path"].value == str(lake / "star" / "songplays" / f"date={DAY}")
    (log_file,) = raw_lake.glob("log_data/*/*/*.json")
    lines = len(log_file.read_text().splitlines())
    assert materialized[("log_events", DAY.isoformat())]["lines_read"].value == lines
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 11 and all(c.passed for c in checks)
    # What a check found travels back with the report, through Dagster Pipes.
    share = next(c for c in checks if c.check_name == QUARANTINE_SHARE_BELOW_THRESHOLD.name)
    assert share.description.startswith(f"Highest: {DAY}: ")
    assert share.description.endswith("lines quarantined, within the 1.0 % threshold")

    # …and the tables are exactly those local Spark writes from the same input.
    assert {k: rows for k, (rows, _) in lake_snapshot(lake).items()} == local_reference


def test_a_failed_step_fails_the_asset_with_its_reason_and_logs_and_ends_the_cluster(
    artifacts_uri, executor, raw_lake, tmp_path
):
    # `time` needs listen_events, which this empty lake does not have: the step fails.
    compute = emr_compute(artifacts_uri)
    result = run_on_emr(compute, raw_lake, tmp_path / "lake", selection=["time"])
    assert not result.success
    cluster = _only_cluster_of(result)
    (executed,) = executor.executed
    assert executed.returncode != 0
    message = _failure_message(result)
    assert f"on cluster {cluster['Id']} ended FAILED" in message
    assert "listen_events has no partition for 2018-11-06" in message
    assert f"s3://{artifacts_uri.split('/')[2]}/emr-logs/{cluster['Id']}/steps/" in message
    assert cluster["Status"]["State"] == "TERMINATED"


def test_an_exception_mid_run_still_terminates_the_cluster(
    artifacts_uri, executor, raw_lake, tmp_path
):
    from sparkify_dagster.assets import song_catalogue

    @dg.asset(deps=["songs"])
    def fails_after_a_step():
        raise RuntimeError("boom after the catalogue step")

    result = run_on_emr(
        emr_compute(artifacts_uri),
        raw_lake,
        tmp_path / "lake",
        assets=[song_catalogue, fails_after_a_step],
        day=None,
    )
    assert not result.success
    assert "boom after the catalogue step" in _failure_message(result)
    assert [s.returncode for s in executor.executed] == [0]
    assert _only_cluster_of(result)["Status"]["State"] == "TERMINATED"


def test_attach_mode_uses_the_given_cluster_and_never_terminates_it(
    artifacts_uri, executor, raw_lake, tmp_path
):
    from sparkify_dagster.assets import song_catalogue

    cluster_id = start_cluster("team cluster")

    @dg.asset(deps=["songs"])
    def fails_after_a_step():
        raise RuntimeError("boom after the catalogue step")

    result = run_on_emr(
        emr_compute(artifacts_uri, cluster_id=cluster_id),
        raw_lake,
        tmp_path / "lake",
        assets=[song_catalogue, fails_after_a_step],
        day=None,
    )
    # The step ran on the team's cluster, the run failed after it, and the cluster lives on.
    assert not result.success
    assert [(e.cluster_id, e.returncode) for e in executor.executed] == [(cluster_id, 0)]
    assert _cluster(cluster_id)["Status"]["State"] in ("WAITING", "RUNNING")
    assert _clusters_of(result.run_id) == []


def test_a_step_over_its_timeout_is_cancelled_and_the_cluster_ended(
    aws, artifacts_uri, raw_lake, tmp_path
):
    from sparkify_dagster_tests.emr.step_executor import LocalStepExecutor

    compute = emr_compute(artifacts_uri, step_timeout_minutes=0.05)
    with LocalStepExecutor(endpoint=aws, workdir=tmp_path / "emr", hold=True):
        result = run_on_emr(compute, raw_lake, tmp_path / "lake", selection=["time"])
    assert not result.success
    assert "did not finish within" in _failure_message(result)
    assert _only_cluster_of(result)["Status"]["State"] == "TERMINATED"


@pytest.mark.parametrize("idle_minutes", [1, 90])
def test_clusters_are_created_with_an_idle_auto_termination_policy(idle_minutes):
    from sparkify_dagster.resources.emr import EmrClusterResource

    params = EmrClusterResource(idle_timeout_minutes=idle_minutes).job_flow_params([])
    assert params["AutoTerminationPolicy"] == {"IdleTimeout": idle_minutes * 60}
    assert params["Instances"]["KeepJobFlowAliveWhenNoSteps"] is True
    assert {"Key": MANAGED_TAG, "Value": "sparkify_dagster"} in params["Tags"]


CANCELLED_RUN = """
import sys
from pathlib import Path
from sparkify_dagster_tests.emr.helpers import emr_compute, run_on_emr
run_on_emr(emr_compute(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), selection=["time"])
"""


def test_cancelling_a_run_cancels_its_step_and_terminates_the_cluster(
    aws, artifacts_uri, raw_lake, tmp_path
):
    """A run's process interrupted (what Dagster does to cancel a run) while its step runs."""
    from sparkify_dagster_tests.emr.step_executor import LocalStepExecutor
    from sparkify_dagster_tests.helpers import PROJECT_ROOT

    log = tmp_path / "run.log"
    with LocalStepExecutor(endpoint=aws, workdir=tmp_path / "emr", hold=True) as executor:
        with log.open("w") as out:
            run = subprocess.Popen(
                [sys.executable, "-c", CANCELLED_RUN, artifacts_uri, str(raw_lake), str(tmp_path)],
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 120
            while not executor.seen_steps() and time.monotonic() < deadline:
                assert run.poll() is None, log.read_text()[-3000:]
                time.sleep(0.2)
            assert executor.seen_steps(), log.read_text()[-3000:]
            run.send_signal(signal.SIGINT)
            run.wait(timeout=120)
        finally:
            if run.poll() is None:
                run.kill()
    ((cluster_id, _),) = executor.seen_steps()
    assert _cluster(cluster_id)["Status"]["State"] == "TERMINATED", log.read_text()[-3000:]
    assert "Terminated EMR cluster" in log.read_text()


def test_a_swap_a_dead_run_left_is_finished_by_the_next_step_on_the_cluster(
    artifacts_uri, executor, raw_lake, local_lake, tmp_path, instance
):
    lake = tmp_path / "lake"
    shutil.copytree(local_lake, lake)
    users = lake_snapshot(lake)["star/users"][0]
    # A run killed between the renames of the state's swap: the old state aside, and the new
    # one gone (its process died with its staging).
    (lake / "_staging").mkdir(exist_ok=True)
    (lake / "state" / "users").rename(lake / "_staging" / "retired")
    (lake / "_swaps").mkdir(exist_ok=True)
    swap = {"target": "state/users", "built": "_staging/gone/table", "retired": "_staging/retired"}
    (lake / "_swaps" / "dead.json").write_text(json.dumps({**swap, "phase": "installing"}))

    result = run_on_emr(
        emr_compute(artifacts_uri), raw_lake, lake, selection=["users"], instance=instance
    )

    assert result.success
    messages = run_log_messages(instance, result.run_id)
    assert "Recovered an interrupted swap of state/users: rolled back" in " ".join(messages)
    assert not any("no user state" in m for m in messages)
    assert lake_snapshot(lake)["star/users"][0] == users
    assert not list((lake / "_swaps").iterdir()) and not list((lake / "_staging").iterdir())


def test_a_micro_batch_and_its_days_clean_step_run_as_steps_on_the_cluster(
    artifacts_uri, cluster_executor, standalone, kafka_broker, tmp_path
):
    """The stream's steps on a real distributed engine: the Kafka source's reads run in the
    executor's Python workers, the micro-batch's report comes back through Pipes."""
    world = dict(start=DAY, days=1, events_per_day=150, songs=20, seed=4)
    settings, topics, sent = streamed_world(kafka_broker, tmp_path, **world)
    lake = settings.lake
    defs = build_definitions(settings, compute=emr_compute(artifacts_uri))
    page_views = topics[streamify.PAGE_VIEW_EVENTS]

    # One run, as the stream's sensor and the daily job would run them one after the other.
    result = dg.materialize(
        defs.assets,
        selection=dg.AssetSelection.kind(STREAM_KIND)
        | dg.AssetSelection.assets(LOG_EVENTS.name).required_multi_asset_neighbors(),
        resources=defs.resources,
        partition_key=DAY.isoformat(),
        raise_on_error=False,
    )

    assert result.success
    assert [e.returncode for e in cluster_executor.executed] == [0, 0]
    state = standalone.state()
    apps = {a["name"] for a in state["completedapps"] + state["activeapps"]}
    assert {f"sparkify {s.name}" for s in STREAM_STEPS} <= apps
    assert {c["Status"]["State"] for c in _clusters_of(result.run_id)} == {"TERMINATED"}
    read = {
        m.asset_key.to_user_string(): m.metadata[MESSAGES_READ].value
        for m in result.asset_materializations_for_node(STREAM_INGEST_STEP.name)
    }
    assert read == {raw_table(t).name: n for t, n in sent.messages_by_topic.items()}
    for topic, messages in sent.messages_by_topic.items():
        assert ds.dataset(raw_path(lake, topic), partitioning="hive").count_rows() == messages
    # Every page view message of the day is an event of the clean zone, or quarantined.
    clean = {
        m.asset_key.to_user_string(): m.metadata["dagster/row_count"].value
        for m in result.asset_materializations_for_node(CLEAN_STREAM_EVENTS_STEP.name)
    }
    landed = clean[LOG_EVENTS.name] + clean[QUARANTINED_MESSAGES.name]
    assert landed == sent.messages_by_topic[page_views] > 0


def _micro_batch_on_emr(settings: Settings, artifacts_uri: str) -> dg.ExecuteInProcessResult:
    """One run of stream_ingest alone, its step on EMR (moto), failing or not."""
    defs = build_definitions(settings, compute=emr_compute(artifacts_uri))
    return dg.materialize(
        defs.assets,
        selection=dg.AssetSelection.assets(*(raw_table(t).name for t in settings.kafka_topics)),
        resources=defs.resources,
        raise_on_error=False,
    )


def test_a_micro_batch_on_the_cluster_logs_in_with_the_secret_its_settings_name(
    artifacts_uri, cluster_executor, authenticating_broker, tmp_path
):
    """Kafka's security settings reach the step on the cluster through its request, the
    password never: the step reads the login from the secret there. The broker here knows no
    user (streaming.helpers.AuthenticatingBroker), so the secret's user is refused: by name."""
    secret = boto3.client("secretsmanager").create_secret(
        Name=f"sparkify/kafka-{tmp_path.name}",
        SecretString=json.dumps({"username": "bob-from-the-secret", "password": "his-password"}),
    )["ARN"]
    settings = Settings(
        source=f"kafka://{authenticating_broker}",
        lake=str(tmp_path / "lake"),
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_sasl_secret=secret,
    )
    assert not any(name.startswith("SPARKIFY_KAFKA") for name in os.environ)  # nor the nodes'
    result = _micro_batch_on_emr(settings, artifacts_uri)

    assert [e.returncode for e in cluster_executor.executed] == [1]
    assert (
        f"Kafka at {authenticating_broker} refused the credentials (SCRAM-SHA-256, "
        "bob-from-the-secret): SASL authentication error"
    ) in _failure_message(result)
    assert {c["Status"]["State"] for c in _clusters_of(result.run_id)} == {"TERMINATED"}
    # Nor did the step put the password into what it sent back (Pipes messages, its logs).
    bucket = boto3.resource("s3").Bucket(artifacts_uri.removeprefix("s3://").split("/")[0])
    texts = [o.get()["Body"].read() for o in bucket.objects.all()]
    assert texts and not any(b"his-password" in text for text in texts)


def test_a_sasl_password_for_a_cluster_the_run_would_create_fails_before_the_cluster(
    artifacts_uri, tmp_path
):
    """The password set where Dagster runs never travels, and a new cluster has none: the run
    says so before it pays for a cluster that could not log in."""
    settings = Settings(
        env="emr",
        source="kafka://broker.example:9096",
        lake=str(tmp_path / "lake"),
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="alice",
        kafka_sasl_password="her-password",
    )
    result = _micro_batch_on_emr(settings, artifacts_uri)
    assert (
        "SASL SCRAM-SHA-512 on a cluster this run creates: the password set here never travels "
        "there; set SPARKIFY_KAFKA_SASL_SECRET"
    ) in _failure_message(result)
    assert _clusters_of(result.run_id) == []
