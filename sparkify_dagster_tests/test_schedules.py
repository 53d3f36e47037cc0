"""The daily schedule, the freshness deadline and how automation is switched on."""

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from sparkify_dagster import tables
from sparkify_dagster.definitions import build_definitions, defs
from sparkify_dagster.jobs import daily_star_schema_job
from sparkify_dagster.schedules import DAILY_STAR_SCHEMA_SCHEDULE, STALE_CLUSTERS_SCHEDULE
from sparkify_dagster.sensors.raw_files import NEW_LOG_FILES, NEW_SONG_FILES
from sparkify_dagster.settings import Settings

daily_star_schema_schedule = defs.resolve_schedule_def(DAILY_STAR_SCHEMA_SCHEDULE)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2018, 11, 16, 1, 0, tzinfo=UTC), "2018-11-15"),
        (datetime(2019, 1, 1, 1, 0, tzinfo=UTC), "2018-12-31"),
        (datetime(2018, 12, 1, 1, 0, tzinfo=UTC), "2018-11-30"),
    ],
)
def test_schedule_requests_the_utc_day_that_just_ended(now, expected):
    context = dg.build_schedule_context(
        scheduled_execution_time=now, repository_def=defs.get_repository_def()
    )
    result = daily_star_schema_schedule.evaluate_tick(context)
    assert [r.partition_key for r in result.run_requests] == [expected]
    assert daily_star_schema_schedule.job_name == daily_star_schema_job.name
    assert daily_star_schema_schedule.cron_schedule == "0 1 * * *"
    assert daily_star_schema_schedule.execution_timezone == "UTC"


def test_schedule_skips_days_before_the_first_partition():
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2018, 11, 1, 1, 0, tzinfo=UTC),
        repository_def=defs.get_repository_def(),
    )
    result = daily_star_schema_schedule.evaluate_tick(context)
    assert not result.run_requests
    assert "before the first daily partition" in result.skip_message


def test_star_tables_are_due_by_seven_utc():
    policies = {
        spec.key.to_user_string(): spec.freshness_policy
        for spec in defs.resolve_all_asset_specs()
        if spec.freshness_policy is not None
    }
    assert set(policies) == {t.name for t in (tables.TIME, tables.USERS, tables.SONGPLAYS)}
    for policy in policies.values():
        assert policy.deadline_cron == "0 7 * * *"
        assert policy.timezone == "UTC"


def _default_statuses(env: dict[str, str]) -> str:
    r = build_definitions(Settings.from_env(env)).get_repository_def()
    return str(sorted((s.name, s.default_status.value) for s in [*r.schedule_defs, *r.sensor_defs]))


def test_automation_starts_stopped_unless_switched_on():
    assert _default_statuses({"SPARKIFY_AUTOMATION": ""}).count("'RUNNING'") == 0
    on = _default_statuses({"SPARKIFY_AUTOMATION": "on", "SPARKIFY_ENV": "local"})
    assert on.count("'RUNNING'") == 3
    for name in (DAILY_STAR_SCHEMA_SCHEDULE, NEW_LOG_FILES, NEW_SONG_FILES):
        assert f"('{name}', 'RUNNING')" in on
    # The EMR sweeper runs only where clusters are started.
    assert f"('{STALE_CLUSTERS_SCHEDULE}', 'STOPPED')" in on
    on_emr = _default_statuses({"SPARKIFY_AUTOMATION": "on", "SPARKIFY_ENV": "emr"})
    assert on_emr.count("'RUNNING'") == 4


def test_the_schedule_hour_and_the_first_partition_come_from_the_settings():
    configured = build_definitions(Settings(schedule_hour_utc=5, start_date=date(2018, 11, 10)))
    schedule = configured.resolve_schedule_def(DAILY_STAR_SCHEMA_SCHEDULE)
    assert schedule.cron_schedule == "0 5 * * *"
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2018, 11, 10, 5, 0, tzinfo=UTC),
        repository_def=configured.get_repository_def(),
    )
    assert "2018-11-09 is before the first daily partition" in (
        schedule.evaluate_tick(context).skip_message
    )
