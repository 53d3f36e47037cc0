"""The raw lake's layout: which files belong to which day, decided once for every user of it."""

import json
import logging
from datetime import date

import dagster as dg
import pytest

from sparkify_dagster.cli import _days_to_run
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.layout import (
    NotALogFile,
    list_log_files,
    log_file_day,
    log_file_path,
)
from sparkify_dagster.sensors.raw_files import NEW_LOG_FILES
from sparkify_dagster.settings import Settings
from sparkify_dagster.steps.events import EVERY_LINE_ACCOUNTED_FOR
from sparkify_dagster_tests.helpers import CLEAN_ASSETS, SAMPLE, run_pipeline, sensor_tick

NOV = {d: date(2018, 11, d) for d in (5, 6, 7)}


def test_a_file_belongs_to_the_day_in_its_name_wherever_it_sits():
    assert log_file_day("log_data/2018/11/late/2018-11-05-events.json") == NOV[5]
    assert log_file_day("s3://b/raw/log_data/2018-11-05-events.json") == NOV[5]
    with pytest.raises(NotALogFile, match=r"^2018-11-31 is not a calendar date$"):
        log_file_day("log_data/2018/11/2018-11-31-events.json")
    with pytest.raises(NotALogFile, match=r"^name is not YYYY-MM-DD-events\.json$"):
        log_file_day("log_data/2018/11/x2018-11-05-events.json")
    assert log_file_path(NOV[5]) == "log_data/2018/11/2018-11-05-events.json"


def _sample_lines(day: date) -> list[bytes]:
    return (SAMPLE / log_file_path(day)).read_bytes().splitlines()


def test_cli_sensor_and_clean_step_pick_the_same_days_and_files(tmp_path, capsys, instance):
    """Day 5 split over log_data/2018/11/ and .../late/, day 6 in log_data/2018/, day 7 at the
    top of log_data/; junk beside them. All three users of the layout agree, and the step reads
    every line of every file of the day."""
    source, lake = tmp_path / "source", tmp_path / "lake"
    day5 = _sample_lines(NOV[5])
    files = {
        "log_data/2018/11/2018-11-05-events.json": day5[:100],
        "log_data/2018/11/late/2018-11-05-events.json": day5[100:],
        "log_data/2018/2018-11-06-events.json": _sample_lines(NOV[6]),
        "log_data/2018-11-07-events.json": _sample_lines(NOV[7]),
    }
    junk = {
        "log_data/2018/11/2018-11-31-events.json": "2018-11-31 is not a calendar date",
        "log_data/2018/11/notes.txt": "name is not YYYY-MM-DD-events.json",
    }
    for key, lines in files.items():
        (source / key).parent.mkdir(parents=True, exist_ok=True)
        (source / key).write_bytes(b"\n".join(lines) + b"\n")
    for key in junk:
        (source / key).write_text("{}\n")
    (source / "log_data/2018/11/.2018-11-08-events.json.partial").write_text("{}\n")
    expected = {
        "2018-11-05": sorted(k for k in files if "11-05" in k),
        "2018-11-06": ["log_data/2018/2018-11-06-events.json"],
        "2018-11-07": ["log_data/2018-11-07-events.json"],
    }

    # The CLI: the range it runs, and a warning with the reason for each junk file.
    assert _days_to_run(source, None, None) == (NOV[5], NOV[7])
    warnings = capsys.readouterr().err
    for key, reason in junk.items():
        assert f"skipping {source / key}: {reason}" in warnings
    assert ".partial" not in warnings

    # The sensor: one run per day, triggered by exactly that day's files.
    configured = build_definitions(Settings(source=str(source), lake=str(lake)))
    result = sensor_tick(configured.resolve_sensor_def(NEW_LOG_FILES), configured)
    assert {
        r.partition_key: sorted(r.tags["sparkify/trigger"].split(", ")) for r in result.run_requests
    } == expected
    assert set(json.loads(result.cursor)["ignored"]) == set(junk)

    # The clean step: the same files per day, every line read and accounted for.
    run = run_pipeline(
        source,
        lake,
        NOV[5],
        NOV[7],
        selection=CLEAN_ASSETS,
        instance=instance,
    )
    assert run.success
    metadata = {
        m.partition: m.metadata
        for m in (e.materialization for e in run.get_asset_materialization_events())
        if m.asset_key == dg.AssetKey("log_events")
    }
    for day, keys in expected.items():
        lines = sum(len(files[k]) for k in keys)
        assert metadata[day]["source_files"].value == len(keys)
        assert metadata[day]["lines_read"].value == lines
        # The sample's days are clean: every line is an event of log_events.
        assert metadata[day]["quarantined_lines"].value == 0
        assert metadata[day]["dagster/row_count"].value == lines
    checks = {e.check_name: e.passed for e in run.get_asset_check_evaluations()}
    assert checks[EVERY_LINE_ACCOUNTED_FOR.name]
    logged = [r.user_message for r in instance.all_logs(run.run_id) if r.level >= logging.WARNING]
    assert any("2 file(s) under log_data/ belong to no day" in m for m in logged), logged
    assert list_log_files(source).days == list(NOV.values())
