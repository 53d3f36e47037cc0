"""A dbt test that finds bad data fails, and what is built on the model it checks is skipped
(in Dagster: a failed blocking check, its downstream assets not materialized)."""

import shutil
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster_tests.warehouse.helpers import dbt_build

pytestmark = pytest.mark.slow  # a dbt build of its own over a copy of the lake


def test_a_duplicated_songplay_fails_the_fact_test_and_skips_its_dependents(sample_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake)
    day = date(2018, 11, 15)
    partition = lake / tables.SONGPLAYS.relative_path / f"{tables.PARTITION_COLUMN}={day}"
    (file,) = [path for path in partition.glob("*.parquet") if pq.read_metadata(path).num_rows]
    plays = pq.read_table(file)
    pq.write_table(pa.concat_tables([plays, plays.slice(0, 1)]), file)  # one play twice

    build = dbt_build(lake, tmp_path / "warehouse" / "sparkify.duckdb", day, day, work_dir=tmp_path)

    assert not build.success
    failed = {name for name, status in build.statuses.items() if status in {"fail", "error"}}
    assert "unique_fact_streams_songplay_id" in failed
    # The marts counted from the events no longer reconcile with songplays either: that is all.
    assert {name for name in failed if not name.endswith("__songplays")} == {
        "unique_fact_streams_songplay_id"
    }
    skipped = {name for name, status in build.statuses.items() if status == "skipped"}
    assert {"wide_stream", "daily_plays_by_hour", "daily_catalogue_matches"} <= skipped
    # What does not read the fact is built, and its tests pass.
    assert build.statuses["daily_top_songs"] == "success"
    assert build.statuses["dim_users"] == "success"
