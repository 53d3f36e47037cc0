"""Damaged input: the run succeeds, good lines are kept, bad ones are quarantined with reasons."""

import gzip
import json
import logging
from datetime import date

import dagster as dg
import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster.query import connect
from sparkify_dagster.steps.events import (
    EVERY_LINE_ACCOUNTED_FOR,
    QUARANTINE_SHARE_BELOW_THRESHOLD,
)
from sparkify_dagster.steps.star import ONE_SONGPLAY_PER_LISTEN_EVENT
from sparkify_dagster.transforms.raw_records import JSON_MAX_STRING_CHARS
from sparkify_dagster_tests.helpers import CLEAN_ASSETS, run_pipeline

DAY = date(2018, 11, 5)


def _day_file(source, day=DAY):
    return source / "log_data" / f"{day:%Y}" / f"{day:%m}" / f"{day.isoformat()}-events.json"


def test_corrupt_lines_are_quarantined_with_reasons_and_counts_reconcile(sample_copy, tmp_path):
    path = _day_file(sample_copy)
    good_lines = path.read_bytes().splitlines()
    first = json.loads(good_lines[0])
    wrong_type = dict(first, ts="yesterday")
    wrong_types = dict(first, sessionId="abc", status="ok")
    bad_lines = [
        good_lines[1][: len(good_lines[1]) // 2],  # truncated JSON
        json.dumps(wrong_type).encode(),
        json.dumps(wrong_types).encode(),
        b"",  # blank line
        b"   ",  # whitespace only
        good_lines[2].replace(b'"Logged In"', b'"Logged \xff\xfe In"'),  # invalid UTF-8
        b"not json at all",
        json.dumps(dict(first, userId="x15")).encode(),
        json.dumps(dict(first, ts=first["ts"] + 3 * 86_400_000)).encode(),  # another day
        json.dumps({k: v for k, v in first.items() if k != "ts"}).encode(),
    ]
    path.write_bytes(b"\n".join([*good_lines, *bad_lines]) + b"\n")
    lake = tmp_path / "lake"

    result = run_pipeline(sample_copy, lake, DAY, DAY)

    assert result.success
    db = connect(lake)
    assert db.execute("SELECT count(*) FROM log_events").fetchone()[0] == len(good_lines)
    reasons = dict(
        db.execute("SELECT reason, count(*) FROM quarantined_log_lines GROUP BY 1").fetchall()
    )
    assert reasons == {
        "malformed JSON": 2,
        "wrong type for ts": 1,
        "wrong type for sessionId, status": 1,
        "blank line": 2,
        "invalid UTF-8": 1,
        "userId is not an integer": 1,
        "ts falls outside the file's UTC day": 1,
        "missing ts": 1,
    }
    quarantined_raw = {
        r[0] for r in db.execute("SELECT line FROM quarantined_log_lines").fetchall()
    }
    assert "not json at all" in quarantined_raw
    raw_bytes = db.execute(
        "SELECT raw_bytes FROM quarantined_log_lines WHERE reason = 'invalid UTF-8'"
    ).fetchone()[0]
    assert bytes(raw_bytes) == bad_lines[5]
    assert sum(reasons.values()) == len(bad_lines)
    (quarantine_file,) = (lake / "quarantine" / "log_lines" / "date=2018-11-05").glob("*.parquet")
    assert pq.read_schema(quarantine_file).names == tables.QUARANTINED_LOG_LINES.column_names

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    reconcile = checks[EVERY_LINE_ACCOUNTED_FOR.name]
    assert reconcile.passed
    assert reconcile.metadata["lines_read"].value == len(good_lines) + len(bad_lines)
    assert reconcile.metadata["quarantined_lines"].value == len(bad_lines)
    share = checks[QUARANTINE_SHARE_BELOW_THRESHOLD.name]
    assert not share.passed  # 10 of ~320 lines is over the 1% default: a warning
    assert share.severity.value == "WARN"
    lines = len(good_lines) + len(bad_lines)
    assert share.description == (
        f"2018-11-05: {len(bad_lines) / lines * 100:.1f} % of {lines:,} lines quarantined, "
        "above the 1.0 % threshold"
    )
    # Every NextSong event that survived is in songplays exactly once.
    assert checks[ONE_SONGPLAY_PER_LISTEN_EVENT.name].passed


@pytest.mark.slow  # the whole pipeline over several days
def test_a_day_without_a_file_gives_an_empty_partition_and_a_warning(
    sample_copy, tmp_path, instance
):
    missing_day = date(2018, 11, 6)
    _day_file(sample_copy, missing_day).unlink()
    lake = tmp_path / "lake"

    result = run_pipeline(sample_copy, lake, DAY, missing_day, instance=instance)

    assert result.success
    warnings = [
        record.user_message
        for record in instance.all_logs(result.run_id)
        if record.level >= logging.WARNING
    ]
    assert any("No log file for 1 of 2 day(s) (2018-11-06)" in m for m in warnings), warnings
    for table in (tables.LOG_EVENTS, tables.SONGPLAYS, tables.TIME, tables.QUARANTINED_LOG_LINES):
        partition = lake / table.relative_path / "date=2018-11-06"
        assert partition.is_dir(), table.name
    db = connect(lake)
    per_day = dict(
        db.execute(
            "SELECT strftime(start_time, '%Y-%m-%d'), count(*) FROM songplays GROUP BY 1"
        ).fetchall()
    )
    assert per_day == {"2018-11-05": per_day["2018-11-05"]} and per_day["2018-11-05"] > 0
    # The empty day's file is read like any other: a partition with no rows.
    empty_day = "SELECT count(*) FROM songplays WHERE date = DATE '2018-11-06'"
    assert db.execute(empty_day).fetchone()[0] == 0


def test_only_days_with_rejected_lines_are_parsed_again_and_each_day_reconciles(
    sample_copy, tmp_path, instance
):
    first, damaged, last = date(2018, 11, 4), date(2018, 11, 5), date(2018, 11, 6)
    path = _day_file(sample_copy, damaged)
    # One blank and one malformed line.
    path.write_bytes(path.read_bytes().rstrip(b"\n") + b"\n\n{not json\n")
    lake = tmp_path / "lake"

    result = run_pipeline(sample_copy, lake, first, last, instance=instance, selection=CLEAN_ASSETS)

    assert result.success
    messages = [record.user_message for record in instance.all_logs(result.run_id)]
    assert any("Quarantining 2 rejected line(s) of 1 day(s)" in m for m in messages), messages
    materialized = {
        m.partition: m.metadata
        for m in (e.materialization for e in result.get_asset_materialization_events())
        if m.asset_key == dg.AssetKey("log_events")
    }
    assert {day: meta["quarantined_lines"].value for day, meta in materialized.items()} == {
        first.isoformat(): 0,
        damaged.isoformat(): 2,
        last.isoformat(): 0,
    }
    for day in (first, damaged, last):
        lines = len(_day_file(sample_copy, day).read_bytes().splitlines())
        assert materialized[day.isoformat()]["lines_read"].value == lines
    reasons = connect(lake).execute(
        "SELECT reason, count(*) FROM quarantined_log_lines GROUP BY 1 ORDER BY 1"
    )
    assert reasons.fetchall() == [("blank line", 1), ("malformed JSON", 1)]
    assert {e.check_name: e.passed for e in result.get_asset_check_evaluations()}[
        EVERY_LINE_ACCOUNTED_FOR.name
    ]


def _quarantine_reasons(lake) -> dict[str, int]:
    return dict(
        connect(lake)
        .execute("SELECT reason, count(*) FROM quarantined_log_lines GROUP BY 1")
        .fetchall()
    )


def test_a_line_longer_than_the_json_parsers_limit_is_quarantined_with_that_reason(
    sample_copy, tmp_path
):
    path = _day_file(sample_copy)
    good_lines = path.read_bytes().splitlines()
    # Valid JSON, but one string longer than Spark's JSON parser reads.
    huge = json.dumps(dict(json.loads(good_lines[0]), song="x" * (JSON_MAX_STRING_CHARS + 1)))
    path.write_bytes(b"\n".join([*good_lines, huge.encode()]) + b"\n")
    lake = tmp_path / "lake"

    result = run_pipeline(sample_copy, lake, DAY, DAY, selection=CLEAN_ASSETS)

    assert result.success
    assert _quarantine_reasons(lake) == {
        "line longer than the JSON parser's limit of 20,000,000 characters": 1
    }
    kept = connect(lake).execute("SELECT length(line) FROM quarantined_log_lines").fetchone()[0]
    assert kept == len(huge)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks[EVERY_LINE_ACCOUNTED_FOR.name]


def test_a_gzip_compressed_log_file_is_quarantined_line_by_line_as_compressed(
    sample_copy, tmp_path
):
    path = _day_file(sample_copy)
    compressed = gzip.compress(path.read_bytes())
    path.write_bytes(compressed)  # still named 2018-11-05-events.json
    lake = tmp_path / "lake"

    result = run_pipeline(sample_copy, lake, DAY, DAY, selection=CLEAN_ASSETS)

    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    lines_read = checks[EVERY_LINE_ACCOUNTED_FOR.name].metadata["lines_read"].value
    assert checks[EVERY_LINE_ACCOUNTED_FOR.name].passed and lines_read > 1
    # Every "line" of the file is in the quarantine, all with the one clear reason.
    assert _quarantine_reasons(lake) == {"gzip-compressed data (decompress the file)": lines_read}
    db = connect(lake)
    assert db.execute("SELECT count(*) FROM log_events").fetchone()[0] == 0
    first = db.execute(
        "SELECT raw_bytes FROM quarantined_log_lines WHERE raw_bytes[1:2] = '\\x1F\\x8B'::BLOB"
    ).fetchall()
    assert len(first) == 1 and compressed.startswith(bytes(first[0][0]))
