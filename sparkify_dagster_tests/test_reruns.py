"""Reruns are safe: the same inputs give the same bytes; a rerun day touches only that day.

A rerun in the same session is also cheap: it reuses the code Spark generated the first time.
"""

import shutil
from datetime import date

import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster.filesystems import LocalFiles
from sparkify_dagster.query import connect
from sparkify_dagster_tests.helpers import (
    CLEAN_ASSETS,
    FRESH_DAYS,
    SAMPLE,
    assert_fresh_days_equal_the_month,
    lake_snapshot,
    run_pipeline,
)
from sparkify_generator import generate_lake, log_file_path, open_sink

pytestmark = pytest.mark.slow  # several Dagster runs


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

    result = run_pipeline(SAMPLE, lake, *FRESH_DAYS)

    assert result.success
    assert_fresh_days_equal_the_month(lake, sample_lake)


def _unmerged_copy(sample_lake, lake, *star_tables: tables.Table) -> None:
    """The sample month cleaned, its users never merged: no user state, no users table.

    What a lake looks like while first runs over its days have cleaned them and not yet reached
    their users step; the users steps of runs over any days then build the state afresh.
    """
    shutil.copytree(sample_lake, lake)
    for table in (tables.USER_STATE, tables.USERS, *star_tables):
        shutil.rmtree(lake / table.relative_path)


def test_days_in_any_order_give_the_same_users_as_one_run(sample_lake, tmp_path):
    lake, merged = tmp_path / "lake", ["users", "songplays"]
    _unmerged_copy(sample_lake, lake, tables.SONGPLAYS)
    for start, end in [
        (date(2018, 11, 20), date(2018, 11, 30)),
        (date(2018, 11, 1), date(2018, 11, 19)),
    ]:
        assert run_pipeline(SAMPLE, lake, start, end, selection=merged).success
    # Rerunning an early day after the later ones must not roll levels back.
    assert run_pipeline(
        SAMPLE, lake, date(2018, 11, 2), date(2018, 11, 2), selection=merged
    ).success

    query = "SELECT * FROM users ORDER BY user_id"
    assert connect(lake).execute(query).fetchall() == connect(sample_lake).execute(query).fetchall()
    songplays = "SELECT * FROM songplays ORDER BY songplay_id"
    assert (
        connect(lake).execute(songplays).fetchall()
        == connect(sample_lake).execute(songplays).fetchall()
    )


def test_a_day_read_in_several_pieces_is_written_as_sorted_files_the_same_on_a_rerun(
    spark, tmp_path
):
    source, lake, day = tmp_path / "source", tmp_path / "lake", date(2018, 11, 15)
    generate_lake(
        open_sink(str(source)), start=day, days=1, events_per_day=8_000, songs=100, seed=4
    )
    # Lines out of time order, as several app servers' logs concatenated would be.
    log_file = source / log_file_path(day)
    log_file.write_bytes(b"".join(reversed(log_file.read_bytes().splitlines(keepends=True))))
    events_dir = lake / "clean" / "log_events" / f"date={day.isoformat()}"
    previous = spark.conf.get("spark.sql.files.maxPartitionBytes")
    # Pieces of 1 MB: the ~4 MB log file is parsed by several tasks, each writing its own file.
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(1024 * 1024))
    try:
        runs = []
        for _ in range(2):
            assert run_pipeline(source, lake, day, day, selection=CLEAN_ASSETS).success
            runs.append(
                {p.name.split("-")[1]: p.read_bytes() for p in events_dir.glob("*.parquet")}
            )
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", previous)

    assert len(runs[0]) > 1
    assert runs[0] == runs[1]  # the same files, byte for byte
    keys = ["ts", "session_id", "item_in_session"]
    files = [
        pq.read_table(p).select(keys).to_pylist() for p in sorted(events_dir.glob("*.parquet"))
    ]
    for rows in files:
        as_tuples = [tuple(r.values()) for r in rows]
        assert as_tuples == sorted(as_tuples)
    assert (
        sum(len(rows) for rows in files)
        == connect(lake).execute("SELECT count(*) FROM log_events").fetchone()[0]
        == len({tuple(r.values()) for rows in files for r in rows})
    )


def _classes_compiled(spark) -> int:
    metrics = spark.sparkContext._jvm.org.apache.spark.metrics.source.CodegenMetrics
    return metrics.METRIC_COMPILATION_TIME().getCount()


def test_running_a_day_again_in_the_same_session_reuses_the_compiled_code(
    spark, sample_lake, tmp_path
):
    # A run compiles more generated classes than Spark caches by default; were they evicted,
    # every run of a warm session would compile and JIT-warm them all again (~170 here). A few are
    # new in every run, 2 to 7 measured here.
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake)
    day = date(2018, 11, 8)
    assert run_pipeline(SAMPLE, lake, day, day).success
    before = _classes_compiled(spark)

    assert run_pipeline(SAMPLE, lake, day, day).success

    recompiled = _classes_compiled(spark) - before
    assert recompiled <= 20, f"a second run of {day} compiled {recompiled} classes again"


LAST_DAY = date(2018, 11, 30)


class _Killed(Exception):
    """Where the process would die: between the two renames of a swap of the user state."""


def _step_error(result) -> str:
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures, "the run did not fail"
    error = failures[0].step_failure_data.error
    return (error.cause or error).message


def test_a_run_killed_between_the_renames_of_the_user_state_loses_no_user(
    sample_lake, tmp_path, monkeypatch
):
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake)  # the month's user state; the runs below redo its last day
    state = lake / tables.USER_STATE.relative_path
    rename = LocalFiles.rename

    def dies_moving_the_new_state_in(files, source, target):
        if target == str(state) and "/_staging/" in source:
            raise _Killed(f"killed before moving {source} to {target}")
        rename(files, source, target)

    monkeypatch.setattr(LocalFiles, "rename", dies_moving_the_new_state_in)
    assert not run_pipeline(SAMPLE, lake, LAST_DAY, LAST_DAY).success
    assert not state.exists()  # the window: the old state aside, the new one not in
    monkeypatch.setattr(LocalFiles, "rename", rename)

    assert run_pipeline(SAMPLE, lake, LAST_DAY, LAST_DAY).success

    query = "SELECT * FROM users ORDER BY user_id"
    users = connect(lake).execute(query).fetchall()
    assert len(users) == 97
    assert users == connect(sample_lake).execute(query).fetchall()
    assert connect(lake).execute("SELECT count(*) FROM songplays").fetchone()[0] == 6_820
    assert not list((lake / "_swaps").iterdir()) and not list((lake / "_staging").iterdir())


def test_users_refuses_to_start_the_state_afresh_when_the_lake_has_other_days(
    sample_lake, tmp_path
):
    lake = tmp_path / "lake"
    day = date(2018, 11, 3)
    shutil.copytree(sample_lake, lake)
    shutil.rmtree(lake / tables.USER_STATE.relative_path)

    refused = run_pipeline(SAMPLE, lake, day, day)

    assert not refused.success
    message = _step_error(refused)
    assert "the user state (" in message and "is missing" in message
    assert "29 day(s) outside this run (2018-11-01 … 2018-11-30)" in message
    assert "sparkify run --start 2018-11-01 --end 2018-11-30" in message
    assert not (lake / tables.USER_STATE.relative_path).exists()
    # The rebuild the message asks for works (its users step is what rebuilds the state: the
    # other steps would rewrite the same days), and is what one run from scratch gave.
    assert run_pipeline(SAMPLE, lake, date(2018, 11, 1), LAST_DAY, selection=["users"]).success
    query = "SELECT * FROM users ORDER BY user_id"
    assert connect(lake).execute(query).fetchall() == connect(sample_lake).execute(query).fetchall()


def test_days_another_run_has_cleaned_but_not_merged_yet_are_not_taken_for_a_lost_state(
    sample_lake, tmp_path
):
    # What first runs at once on an empty lake look like to the users step that comes first.
    lake, day = tmp_path / "lake", date(2018, 11, 2)
    _unmerged_copy(sample_lake, lake)
    assert run_pipeline(SAMPLE, lake, day, day, selection=["users"]).success
    assert run_pipeline(SAMPLE, lake, date(2018, 11, 1), LAST_DAY, selection=["users"]).success

    query = "SELECT * FROM users ORDER BY user_id"
    assert connect(lake).execute(query).fetchall() == connect(sample_lake).execute(query).fetchall()
