"""Steps run without Dagster: each reports exactly the checks it declares and the tables as the
registry declares them, and a request survives its JSON trip to a cluster with typed settings."""

import json
import re
import subprocess
import sys
from datetime import date

import pytest

from sparkify_dagster import tables
from sparkify_dagster.steps import (
    ALL_CHECKS,
    ALL_STEPS,
    STEPS,
    STREAM_STEPS,
    request_from_dict,
    run_step,
)
from sparkify_dagster.steps.catalogue import SONG_CATALOGUE_STEP
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP, CleanEventsSettings
from sparkify_dagster.steps.star import SONGPLAYS_STEP, TIME_STEP, SongplaysSettings
from sparkify_dagster.steps.step import NoSettings
from sparkify_dagster_tests.helpers import PROJECT_ROOT, SAMPLE, RecordingLog

DAY = date(2018, 11, 7)


def test_each_step_run_directly_reports_its_declared_checks_and_registry_columns(spark, tmp_path):
    lake = tmp_path / "lake"
    for step in ALL_STEPS:  # in dependency order
        days = () if step is SONG_CATALOGUE_STEP else (DAY,)
        report = run_step(spark, step.request(str(SAMPLE), str(lake), days), RecordingLog())

        measured = [(c.asset, c.check, c.warn_only) for c in report.checks]
        declared = [(c.table.name, c.name, not c.blocking) for c in step.checks]
        assert sorted(measured) == sorted(declared), step.name
        assert all(c.passed for c in report.checks), step.name
        for written in report.tables:
            table = tables.TABLES_BY_NAME[written.asset]
            assert written.columns == [
                (f.name, f.dataType.simpleString()) for f in table.columns.fields
            ]
            assert written.partition == (DAY.isoformat() if table.daily else None)


def test_steps_are_found_by_their_own_names_only_for_requests_from_json():
    assert list(STEPS) == [step.name for step in (*ALL_STEPS, *STREAM_STEPS)]
    with pytest.raises(ValueError, match="unknown step 'nope'; steps: song_catalogue, "):
        request_from_dict({"step": "nope", "source_root": "s", "lake_root": "l"})


@pytest.mark.parametrize(
    ("step", "settings"),
    [
        (SONGPLAYS_STEP, SongplaysSettings(duration_tolerance_s=0.8)),
        (SONGPLAYS_STEP, None),
        (CLEAN_LOG_EVENTS_STEP, CleanEventsSettings(quarantine_warn_share=0.2)),
        (TIME_STEP, None),
    ],
)
def test_a_request_survives_its_json_trip_with_typed_settings(step, settings):
    request = step.request("s3://raw", "s3://lake", [DAY, date(2018, 11, 8)], settings)
    back = request_from_dict(json.loads(json.dumps(request.to_dict())))
    assert back == request
    assert type(back.settings) is step.settings
    assert back.settings == (settings or step.settings())


def test_a_request_without_settings_gets_the_declared_defaults():
    assert SONGPLAYS_STEP.request("raw", "lake").settings == SongplaysSettings()
    assert TIME_STEP.request("raw", "lake").settings == NoSettings()


def test_a_setting_the_step_does_not_declare_is_refused_in_one_line():
    data = SONGPLAYS_STEP.request("raw", "lake").to_dict()
    data["settings"]["duration_tolerance"] = 2
    with pytest.raises(ValueError, match=r"^step songplays: unknown setting\(s\) duration_tolera"):
        request_from_dict(data)


def test_readme_asset_checks_table_names_every_declared_check_its_asset_and_blocking():
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("### Asset checks", 1)[1].split("\n### ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| `")]
    listed = {
        (name, asset.strip(), blocking.strip(" |"))
        for check, asset, blocking in rows
        for name in re.findall(r"`([a-z_]+)`", check)
        if name in {c.name for c in ALL_CHECKS}
    }
    declared = {(c.name, c.table.name, "yes" if c.blocking else "warning") for c in ALL_CHECKS}
    assert listed == declared


def test_steps_and_their_declarations_import_no_dagster():
    """On a cluster only dagster-pipes is installed: the steps must not need Dagster."""
    code = (
        "import sys, sparkify_dagster.steps.entrypoint; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'dagster'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
