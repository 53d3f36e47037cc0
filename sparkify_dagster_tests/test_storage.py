"""How the lake writes a daily table: spread over files, sorted, the same bytes on every rerun."""

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark.sql import types as T

from sparkify_dagster.storage import MAX_FILES_PER_DAY, ParquetLake, files_per_day_for
from sparkify_dagster.tables import Table
from sparkify_dagster_tests.helpers import RecordingLog

DAY = date(2018, 11, 15)
SCHEMA = T.StructType(
    [
        T.StructField("ts", T.TimestampType()),
        T.StructField("session_id", T.LongType()),
        T.StructField("page", T.StringType()),
        T.StructField("date", T.DateType()),
    ]
)
COLUMNS = T.StructType(SCHEMA.fields[:-1])  # what the files hold: no `date`
EVENTS = Table("events", "clean", "events", True, ("ts", "session_id"), COLUMNS, "Test events.")


def _rows(n: int) -> list[tuple]:
    start = datetime(2018, 11, 15)
    # Every 10th key appears twice with different pages: ties the key alone can't order.
    rows = [(start + timedelta(seconds=i), i % 97, f"page{i % 5}", DAY) for i in range(n)]
    rows += [(ts, s, "Tie", d) for ts, s, _, d in rows[::10]]
    return rows


def _files(lake_root: Path) -> dict[str, list[dict]]:
    directory = lake_root / "clean" / "events" / f"date={DAY.isoformat()}"
    return {
        p.name.split("-")[1]: pq.read_table(p).to_pylist()
        for p in sorted(directory.glob("*.parquet"))
    }


def test_small_days_stay_one_file_and_big_days_get_one_file_per_quarter_million_rows():
    assert files_per_day_for(100_000, 1) == 1
    assert files_per_day_for(956_599, 1) == 4
    assert files_per_day_for(30 * 100_000, 30) == 1
    assert files_per_day_for(10**9, 1) == MAX_FILES_PER_DAY
    assert files_per_day_for(0, 0) == 1


def test_a_day_spread_over_files_keeps_every_row_once_each_file_sorted_by_key(spark, tmp_path):
    rows = _rows(2_000)
    # Input in reverse and over several partitions: the written order must not depend on it.
    df = spark.createDataFrame(list(reversed(rows)), SCHEMA).repartition(5)
    ParquetLake(tmp_path, spark).replace_partitions(df, EVENTS, [DAY], files_per_day=3)

    files = _files(tmp_path)
    # At most 3: adaptive execution merges spreads that are too small to be worth a task.
    assert 1 <= len(files) <= 3
    written = [row for file_rows in files.values() for row in file_rows]
    assert len(written) == len(rows)
    assert sorted((r["ts"], r["session_id"], r["page"]) for r in written) == sorted(
        (ts.replace(tzinfo=written[0]["ts"].tzinfo), s, p) for ts, s, p, _ in rows
    )
    for file_rows in files.values():
        keys = [(r["ts"], r["session_id"], r["page"]) for r in file_rows]
        assert keys == sorted(keys)


def test_rewriting_a_day_from_differently_ordered_input_gives_identical_files(spark, tmp_path):
    rows = _rows(2_000)
    lake = ParquetLake(tmp_path, spark)
    lake.replace_partitions(spark.createDataFrame(rows, SCHEMA), EVENTS, [DAY], files_per_day=3)
    first = _files(tmp_path)
    shuffled = spark.createDataFrame(list(reversed(rows)), SCHEMA).repartition(7)
    lake.replace_partitions(shuffled, EVENTS, [DAY], files_per_day=3)
    assert _files(tmp_path) == first


class _Crash(Exception):
    """Stands for the process dying: raised where it would die, nothing after it runs."""


TABLE = Table("state", "state", "things", False, ("ts", "session_id"), COLUMNS, "Test state.")


def _crash_on_rename(lake: ParquetLake, number: int) -> None:
    """The lake's `number`th rename from now raises instead of moving anything."""
    rename, calls = lake.files.rename, []

    def crashing(source: str, target: str) -> None:
        calls.append(target)
        if len(calls) == number:
            raise _Crash(f"killed before moving {source} to {target}")
        rename(source, target)

    lake.files.rename = crashing


def _table_rows(spark, root, table: Table) -> list:
    return sorted(tuple(r) for r in ParquetLake(root, spark).read_table(spark, table).collect())


@pytest.mark.parametrize("uri", [False, True], ids=["local", "hadoop"])
@pytest.mark.parametrize("crash_at", [1, 2], ids=["moving-old-aside", "moving-new-in"])
def test_a_swap_killed_between_its_renames_is_finished_by_the_next_recover(
    spark, tmp_path, uri, crash_at
):
    root = f"file://{tmp_path}" if uri else str(tmp_path)
    old = spark.createDataFrame(_rows(10), SCHEMA).drop("date")
    new = spark.createDataFrame(_rows(30), SCHEMA).drop("date")
    ParquetLake(root, spark).replace_table(old, TABLE)

    dying = ParquetLake(root, spark)
    _crash_on_rename(dying, crash_at)
    with pytest.raises(_Crash):
        dying.replace_table(new, TABLE)
    if crash_at == 2:  # the window: the old table moved aside, the new one not yet in
        assert not (tmp_path / "state" / "things").exists()

    log = RecordingLog()
    ParquetLake(root, spark).recover(log)

    assert _table_rows(spark, root, TABLE) == sorted(tuple(r) for r in new.collect())
    assert any("swap of state/things: rolled forward" in m for m in log.messages), log.messages
    assert not list((tmp_path / "_swaps").iterdir())
    assert not list((tmp_path / "_staging").iterdir())


def test_a_swap_whose_built_copy_is_gone_is_rolled_back_to_the_previous_table(spark, tmp_path):
    old = spark.createDataFrame(_rows(10), SCHEMA).drop("date")
    ParquetLake(tmp_path, spark).replace_table(old, TABLE)
    dying = ParquetLake(tmp_path, spark)
    _crash_on_rename(dying, 2)
    with pytest.raises(_Crash):
        dying.replace_table(spark.createDataFrame(_rows(30), SCHEMA).drop("date"), TABLE)
    (built,) = (tmp_path / "_staging").glob("*/table")
    shutil.rmtree(built)

    log = RecordingLog()
    ParquetLake(tmp_path, spark).recover(log)

    assert _table_rows(spark, tmp_path, TABLE) == sorted(tuple(r) for r in old.collect())
    assert any("rolled back" in m for m in log.messages)


def test_a_daily_swap_interrupted_midway_leaves_every_day_whole_after_recover(spark, tmp_path):
    days = [DAY, DAY + timedelta(days=1)]
    rows = [(ts, s, p, d) for d in days for ts, s, p, _ in _rows(50)]
    lake = ParquetLake(tmp_path, spark)
    lake.replace_partitions(spark.createDataFrame(rows, SCHEMA), EVENTS, days)
    dying = ParquetLake(tmp_path, spark)
    _crash_on_rename(dying, 4)  # the second day: its old partition aside, the new one not in
    with pytest.raises(_Crash):
        dying.replace_partitions(spark.createDataFrame(rows, SCHEMA), EVENTS, days)

    ParquetLake(tmp_path, spark).recover(RecordingLog())

    assert [lake.row_count(EVENTS, d) for d in days] == [55, 55]


def test_recover_removes_staging_left_by_dead_writers_and_says_so(spark, tmp_path):
    leftover = tmp_path / "_staging" / "0123abcd" / "date=2018-11-15"
    leftover.mkdir(parents=True)
    (leftover / "part-00000.parquet").write_bytes(b"half written")
    log = RecordingLog()

    ParquetLake(tmp_path, spark).recover(log)

    assert not list((tmp_path / "_staging").iterdir())
    assert any("Removed 1 staging directory" in m and "0123abcd" in m for m in log.messages)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop("page"), "missing page"),
        (lambda df: df.withColumn("extra", df.page), "not declared: extra"),
        (lambda df: df.withColumn("session_id", df.session_id.cast("int")), "session_id is int"),
        (lambda df: df.select("session_id", "ts", "page", "date"), "in the order session_id, ts"),
        (lambda df: df.drop("date"), "no date column"),
    ],
    ids=["missing", "extra", "retyped", "reordered", "no-day"],
)
def test_the_lake_refuses_columns_other_than_the_registrys_in_one_line(
    spark, tmp_path, change, message
):
    df = change(spark.createDataFrame(_rows(3), SCHEMA))
    with pytest.raises(ValueError, match=f"^events: .* tables.py: .*{message}") as refused:
        ParquetLake(tmp_path, spark).replace_partitions(df, EVENTS, [DAY])
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "clean").exists()


def test_an_unpartitioned_table_is_refused_a_column_it_does_not_declare(spark, tmp_path):
    df = spark.createDataFrame(_rows(3), SCHEMA)  # `date` is no column of an unpartitioned table
    with pytest.raises(ValueError, match=r"^state: .*not declared: date$"):
        ParquetLake(tmp_path, spark).replace_table(df, TABLE)
