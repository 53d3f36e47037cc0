"""How the lake writes a daily table: spread over files, sorted, the same bytes on every rerun."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
from pyspark.sql import types as T

from sparkify_dagster.storage import MAX_FILES_PER_DAY, ParquetLake, files_per_day_for
from sparkify_dagster.tables import Table

DAY = date(2018, 11, 15)
EVENTS = Table("events", "clean", "events", True, ("ts", "session_id"))
SCHEMA = T.StructType(
    [
        T.StructField("ts", T.TimestampType()),
        T.StructField("session_id", T.LongType()),
        T.StructField("page", T.StringType()),
        T.StructField("date", T.DateType()),
    ]
)


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
