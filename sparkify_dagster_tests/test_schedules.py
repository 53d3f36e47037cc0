"""The daily schedule, the freshness deadline and how automation is switched on."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import dagster as dg
import pytest

from sparkify_dagster import tables
from sparkify_dagster.definitions import defs
from sparkify_dagster.schedules import daily_star_schema_schedule


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
    assert daily_star_schema_schedule.job_name == "daily_star_schema"
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
    code = (
        "from sparkify_dagster.definitions import defs;"
        "r = defs.get_repository_def();"
        "print(sorted((s.name, s.default_status.value) for s in "
        "[*r.schedule_defs, *r.sensor_defs]))"
    )
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_automation_starts_stopped_unless_switched_on():
    assert _default_statuses({"SPARKIFY_AUTOMATION": ""}).count("'RUNNING'") == 0
    on = _default_statuses({"SPARKIFY_AUTOMATION": "on", "SPARKIFY_ENV": "local"})
    assert on.count("'RUNNING'") == 3
    for name in ("daily_star_schema_schedule", "new_log_files", "new_song_files"):
        assert f"('{name}', 'RUNNING')" in on
    # The EMR sweeper runs only where clusters are started.
    assert "('terminate_stale_clusters_schedule', 'STOPPED')" in on
    on_emr = _default_statuses({"SPARKIFY_AUTOMATION": "on", "SPARKIFY_ENV": "emr"})
    assert on_emr.count("'RUNNING'") == 4
