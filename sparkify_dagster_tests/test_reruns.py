"""Reruns are safe: the same inputs give the same bytes; a rerun day touches only that day."""

import shutil
from datetime import date

from sparkify_dagster import tables
from sparkify_dagster.query import connect
from sparkify_dagster_tests.conftest import SAMPLE, lake_snapshot, run_pipeline


def test_rerunning_a_day_rewrites_identical_rows_and_leaves_other_days_untouched(
    sample_lake, tmp_path
):
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake)
    before = lake_snapshot(lake)
    day = date(2018, 11, 21)

    result = run_pipeline(SAMPLE, lake, day, day)

    assert result.success
    after = lake_snapshot(lake)
    assert after.keys() == before.keys()
    rerun_dirs = {rel for rel in after if rel.endswith(f"date={day.isoformat()}")}
    assert {rel.split("/date=")[0] for rel in rerun_dirs} == {
        t.relative_path for t in tables.ALL_TABLES if t.daily
    }
    for rel, (rows, stats) in after.items():
        assert rows == before[rel][0], f"{rel} changed content on a rerun"
        if rel in rerun_dirs:
            assert not stats & before[rel][1], f"{rel} was not rewritten"
        elif "/date=" in rel:
            assert stats == before[rel][1], f"{rel} was touched by a rerun of {day}"


def test_a_fresh_run_of_the_same_input_gives_identical_tables_row_for_row(sample_lake, tmp_path):
    lake = tmp_path / "lake"

    result = run_pipeline(SAMPLE, lake, date(2018, 11, 1), date(2018, 11, 30))

    assert result.success
    fresh = {rel: rows for rel, (rows, _) in lake_snapshot(lake).items()}
    first = {rel: rows for rel, (rows, _) in lake_snapshot(sample_lake).items()}
    assert fresh.keys() == first.keys()
    for rel, rows in fresh.items():
        assert rows == first[rel], rel


def test_days_in_any_order_give_the_same_users_as_one_run(sample_lake, tmp_path):
    lake = tmp_path / "lake"
    for start, end in [
        (date(2018, 11, 20), date(2018, 11, 30)),
        (date(2018, 11, 1), date(2018, 11, 19)),
    ]:
        assert run_pipeline(SAMPLE, lake, start, end).success
    # Rerunning an early day after the later ones must not roll levels back.
    assert run_pipeline(SAMPLE, lake, date(2018, 11, 2), date(2018, 11, 2)).success

    query = "SELECT * FROM users ORDER BY user_id"
    assert connect(lake).execute(query).fetchall() == connect(sample_lake).execute(query).fetchall()
    songplays = "SELECT * FROM songplays ORDER BY songplay_id"
    assert (
        connect(lake).execute(songplays).fetchall()
        == connect(sample_lake).execute(songplays).fetchall()
    )
