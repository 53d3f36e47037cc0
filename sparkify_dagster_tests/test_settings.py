"""The settings: every SPARKIFY_* variable read in one module, typed, documented in README."""

import re
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

import sparkify_dagster
from sparkify_dagster import settings as settings_module
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.jobs import daily_star_schema_job
from sparkify_dagster.sensors.raw_files import NEW_LOG_FILES
from sparkify_dagster.settings import (
    KAFKA_SASL_MECHANISM,
    KAFKA_SASL_PASSWORD,
    KAFKA_SASL_USERNAME,
    KAFKA_SECURITY_PROTOCOL,
    VARIABLES,
    Settings,
    SettingsError,
)
from sparkify_dagster_tests.helpers import (
    PROJECT_ROOT,
    platform_asset_keys,
    sensor_tick,
    warehouse_asset_keys,
)

PACKAGE = Path(sparkify_dagster.__file__).parent


def test_unset_or_empty_variables_give_the_declared_defaults():
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({v.name: "" for v in VARIABLES}) == Settings()
    assert Settings().start_date is None
    assert Settings().first_partition_day == date(2018, 11, 1)
    assert Settings().env == "local" and Settings().automation is False


def test_each_variable_is_read_into_its_typed_setting():
    configured = Settings.from_env(
        {
            "SPARKIFY_ENV": " EMR ",
            "SPARKIFY_START_DATE": "2026-01-05",
            "SPARKIFY_AUTOMATION": "on",
            "SPARKIFY_SCHEDULE_HOUR_UTC": "23",
            "SPARKIFY_FRESHNESS_WINDOW_HOURS": "2.5",
            "SPARKIFY_EMR_CORE_INSTANCE_COUNT": "5",
            "SPARKIFY_LAKE": "s3://bucket/lake",
            "SPARKIFY_EMR_LOG_URI": "s3://bucket/logs/",
            "UNRELATED": "ignored",
        }
    )
    assert configured == Settings(
        env="emr",
        start_date=date(2026, 1, 5),
        automation=True,
        schedule_hour_utc=23,
        freshness_window_hours=2.5,
        emr_core_instance_count=5,
        lake="s3://bucket/lake",
        emr_log_uri="s3://bucket/logs/",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SPARKIFY_ENV", "foo", "SPARKIFY_ENV='foo': expected one of local, emr"),
        ("SPARKIFY_SCHEDULE_HOUR_UTC", "one", "SPARKIFY_SCHEDULE_HOUR_UTC='one': expected a whole"),
        ("SPARKIFY_SCHEDULE_HOUR_UTC", "24", "SPARKIFY_SCHEDULE_HOUR_UTC='24': expected a whole"),
        ("SPARKIFY_START_DATE", "2018-11-31", "SPARKIFY_START_DATE='2018-11-31': expected a date"),
        ("SPARKIFY_AUTOMATION", "maybe", "SPARKIFY_AUTOMATION='maybe': expected on or off"),
        ("SPARKIFY_FRESHNESS_WINDOW_HOURS", "7h", "SPARKIFY_FRESHNESS_WINDOW_HOURS='7h': expected"),
    ],
)
def test_a_value_that_cannot_be_used_fails_in_one_line_naming_the_variable(name, value, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_only_the_settings_module_names_a_sparkify_variable():
    naming = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "SPARKIFY_" in path.read_text()
    )
    assert naming == ["settings.py"]


def test_no_module_edits_the_environment_but_the_spark_homes_for_pysparks_launcher():
    """spark_home.py names SPARK_HOME while PySpark launches a JVM: its launcher reads nothing
    else (test_spark_home.py proves the environment is restored)."""
    edits = re.compile(
        r"os\.environ\[[^]]+\]\s*=|os\.environ\.(setdefault|update|pop)|del os\.environ|putenv"
    )
    assert [p.name for p in PACKAGE.rglob("*.py") if edits.search(p.read_text())] == [
        "spark_home.py"
    ]


def _readme_configuration_table() -> dict[str, str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(SPARKIFY_\w+)`", cells[0]) if len(cells) == 3 else None
        if match:
            rows[match.group(1)] = cells[1]
    return rows


def test_readme_configuration_table_lists_every_variable_with_its_default():
    table = _readme_configuration_table()
    assert sorted(table) == sorted(v.name for v in VARIABLES)
    for variable in VARIABLES:
        shown = table[variable.name]
        if variable.default_text:
            assert shown == f"`{variable.default_text}`", variable.name
        else:  # no default: the table says what happens instead, in words
            assert "`" not in shown and shown, variable.name


def test_each_variable_is_declared_once_with_a_meaning():
    names = [v.name for v in VARIABLES]
    assert len(names) == len(set(names))
    assert all(v.doc and "\n" not in v.doc for v in VARIABLES)
    declared = [
        value for value in vars(settings_module).values() if isinstance(value, type(VARIABLES[0]))
    ]
    assert sorted(v.name for v in declared) == sorted(names)  # none outside Settings


def test_definitions_built_with_a_start_date_partition_from_it(tmp_path):
    configured = build_definitions(
        Settings(
            start_date=date(2026, 1, 5), freshness_deadline_cron="0 9 * * *", source=str(tmp_path)
        )
    )
    graph = configured.resolve_asset_graph()
    daily = [graph.get(k) for k in graph.get_all_asset_keys() if graph.get(k).partitions_def]
    # The platform's 8 daily tables and every dbt model, all on the configured partitions.
    assert len([n for n in daily if n.key in platform_asset_keys(graph)]) == 8
    assert {n.key for n in daily} >= warehouse_asset_keys(graph)
    for node in daily:
        assert node.partitions_def.get_first_partition_key() == "2026-01-05", node.key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), node.key
    job = configured.resolve_job_def(daily_star_schema_job.name)
    assert job.partitions_def.get_first_partition_key() == "2026-01-05"
    deadlines = {
        spec.freshness_policy.deadline_cron
        for spec in configured.resolve_all_asset_specs()
        if spec.freshness_policy is not None
    }
    assert deadlines == {"0 9 * * *"}

    # The sensor checks a file's day against the same partitions.
    for day in ("2026-01-04", "2026-01-05"):
        path = tmp_path / "log_data" / "2026" / "01" / f"{day}-events.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")
    result = sensor_tick(configured.resolve_sensor_def(NEW_LOG_FILES), configured)
    assert [r.partition_key for r in result.run_requests] == ["2026-01-05"]


SASL_LOGIN = {
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_mechanism": "SCRAM-SHA-512",
    "kafka_sasl_username": "alice",
    "kafka_sasl_password": "her-password",
}


def test_kafka_clients_get_the_security_settings_as_librdkafkas():
    assert Settings(**SASL_LOGIN).kafka_client_config("broker:9096") == {
        "bootstrap.servers": "broker:9096",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "alice",
        "sasl.password": "her-password",
    }


def test_a_request_carries_the_kafka_security_settings_but_never_the_password():
    settings = Settings(**SASL_LOGIN, aws_region="eu-west-1")
    carried = settings.kafka_security_without_password()
    assert "her-password" not in str(carried)
    # Laid over a machine that has the password (attach mode): the same client settings.
    there = Settings.from_env({KAFKA_SASL_PASSWORD.name: "her-password"}, overrides=carried)
    assert there.kafka_client_config("b:1") == settings.kafka_client_config("b:1")
    assert there.aws_region == "eu-west-1"


def test_a_cluster_keeps_its_own_kafka_security_where_the_orchestrator_sets_none():
    """Attach mode: the cluster's environment has the login; Dagster's has no Kafka settings,
    and its defaults (PLAINTEXT) must not replace the cluster's."""
    carried = Settings().kafka_security_without_password()
    assert carried == {}
    cluster = {
        KAFKA_SECURITY_PROTOCOL.name: "SASL_SSL",
        KAFKA_SASL_MECHANISM.name: "PLAIN",
        KAFKA_SASL_USERNAME.name: "alice",
        KAFKA_SASL_PASSWORD.name: "her-password",
    }
    config = Settings.from_env(cluster, overrides=carried).kafka_client_config("b:1")
    assert config["security.protocol"] == "SASL_SSL" and config["sasl.password"] == "her-password"


def test_sasl_settings_left_over_under_a_protocol_without_sasl_are_not_used():
    settings = Settings(kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_secret="unread")
    assert "sasl.password" not in settings.kafka_client_config("b:1")  # no secret read, no error


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {
                "kafka_security_protocol": "SASL_SSL",
                "kafka_sasl_secret": "sparkify/kafka",
                "kafka_sasl_username": "alice",
            },
            "SPARKIFY_KAFKA_SASL_SECRET and SPARKIFY_KAFKA_SASL_USERNAME/"
            "SPARKIFY_KAFKA_SASL_PASSWORD are both set: the login comes from one of them",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "SCRAM-SHA-256",
                "kafka_sasl_username": "alice",
            },
            "SASL SCRAM-SHA-256 needs a password: set SPARKIFY_KAFKA_SASL_SECRET (on EMR, where "
            "a password set here never travels), or SPARKIFY_KAFKA_SASL_USERNAME and "
            "SPARKIFY_KAFKA_SASL_PASSWORD",
        ),
    ],
    ids=["secret and login", "no password"],
)
def test_a_sasl_login_that_cannot_be_whole_fails_before_any_client_starts(given, message):
    with pytest.raises(SettingsError) as failed:
        Settings(**given).kafka_client_config("b:1")
    assert str(failed.value) == message


@pytest.mark.parametrize(
    ("given", "stays_behind"),
    [
        ({}, True),
        ({"kafka_sasl_secret": "sparkify/kafka", "kafka_sasl_password": None}, False),
        ({"emr_cluster_id": "j-ATTACHED"}, False),  # its own environment may hold one
        ({"env": "local"}, False),
        ({"kafka_security_protocol": "SSL"}, False),
    ],
    ids=["created cluster", "secret", "attached cluster", "local", "no SASL"],
)
def test_a_password_that_would_not_reach_a_created_cluster_is_known_before_it(given, stays_behind):
    settings = Settings(**{**SASL_LOGIN, "env": "emr", "source": "kafka://b:1", **given})
    assert settings.kafka_password_stays_behind() is stays_behind
