"""Reruns and backfills of the warehouse: whatever order days are built in, and however often,
the warehouse holds the same tables; a rerun day replaces that day's rows, stale ones included."""

import shutil
from datetime import date

import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster_tests.warehouse.helpers import (
    connect,
    copy_lake_day,
    days,
    dbt_build,
    lake_query,
    warehouse_tables,
)

pytestmark = pytest.mark.slow  # several dbt builds each


def test_rerunning_a_day_gives_identical_warehouse_tables(sample_lake, sample_warehouse, tmp_path):
    warehouse = tmp_path / "warehouse" / "sparkify.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(sample_warehouse, warehouse)
    before = warehouse_tables(warehouse)
    day = date(2018, 11, 21)  # user 15 changes level twice that day

    build = dbt_build(sample_lake, warehouse, day, day, work_dir=tmp_path)

    assert build.success
    assert warehouse_tables(warehouse) == before


def test_a_rerun_day_that_lost_its_rows_keeps_none_of_them(sample_lake, sample_warehouse, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake)
    warehouse = tmp_path / "warehouse" / "sparkify.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(sample_warehouse, warehouse)
    day = date(2018, 11, 15)
    ((plays_that_day,),) = lake_query(
        sample_lake,
        tables.SONGPLAYS,
        f"SELECT count(*) FROM {{table}} WHERE \"date\" = DATE '{day}'",
    )
    assert plays_that_day > 0
    # The day rerun upstream with nothing in it (its log file emptied): every daily table's
    # partition of that day holds no row.
    for table in tables.ALL_TABLES:
        if table.daily:
            partition = lake / table.relative_path / f"{tables.PARTITION_COLUMN}={day}"
            files = sorted(partition.glob("*.parquet"))
            empty = pq.read_table(files[0]).schema.empty_table()
            for file in files:
                file.unlink()
            pq.write_table(empty, partition / "part-00000.parquet")

    build = dbt_build(lake, warehouse, day, day, work_dir=tmp_path)

    assert build.success, build.statuses
    with connect(warehouse) as connection:
        for mart in ("daily_active_users", "daily_top_songs", "daily_sessions"):
            assert connection.execute(
                f"SELECT count(*) FROM {mart} WHERE event_date = DATE '{day}'"
            ).fetchone() == (0,), mart
        assert connection.execute(
            f"SELECT count(*), sum(plays) FROM daily_plays_by_hour WHERE event_date = DATE '{day}'"
        ).fetchone() == (24, 0)
        # Other days are as they were.
        assert connection.execute(
            "SELECT count(DISTINCT event_date), sum(plays) FROM daily_sessions"
        ).fetchone() == (29, 6820 - plays_that_day)


def test_a_backfill_in_reverse_day_order_gives_the_tables_of_one_build(sample_lake, tmp_path):
    """The lake grows backwards as in a reverse backfill (each day's tables arrive, then that
    day's warehouse build), across user 15's level changes of the 21st."""
    first, last = date(2018, 11, 20), date(2018, 11, 22)
    lake = tmp_path / "lake"
    reverse = tmp_path / "reverse" / "sparkify.duckdb"
    for day in reversed(days(first, last)):
        copy_lake_day(sample_lake, lake, day)
        build = dbt_build(lake, reverse, day, day, work_dir=tmp_path / "reverse")
        assert build.success, (day, build.statuses)

    at_once = tmp_path / "at_once" / "sparkify.duckdb"
    assert dbt_build(lake, at_once, first, last, work_dir=tmp_path / "at_once").success

    reverse_tables, at_once_tables = warehouse_tables(reverse), warehouse_tables(at_once)
    assert reverse_tables.keys() == at_once_tables.keys()
    for name, rows in at_once_tables.items():
        assert reverse_tables[name] == rows, name
    assert len(at_once_tables["fact_streams"]) > 500
    assert len([row for row in at_once_tables["dim_users"] if row[1] == 15]) == 3
