"""A dbt test that finds bad data fails, and what is built on the model it checks is skipped
(in Dagster: a failed blocking check, its downstream assets not materialized)."""

import shutil
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster_tests.warehouse.helpers import dbt_build

pytestmark = pytest.mark.slow  # a dbt build of its own over a copy of the lake


DAMAGED_DAY = date(2018, 11, 15)


@pytest.fixture(scope="module")
def damaged_lake(sample_lake, tmp_path_factory):
    """The sample lake with one play of DAMAGED_DAY stored twice."""
    lake = tmp_path_factory.mktemp("damaged") / "lake"
    shutil.copytree(sample_lake, lake)
    partition = lake / tables.SONGPLAYS.relative_path / f"{tables.PARTITION_COLUMN}={DAMAGED_DAY}"
    (file,) = [path for path in partition.glob("*.parquet") if pq.read_metadata(path).num_rows]
    plays = pq.read_table(file)
    pq.write_table(pa.concat_tables([plays, plays.slice(0, 1)]), file)
    return lake


def test_a_duplicated_songplay_fails_the_fact_test_and_skips_its_dependents(damaged_lake, tmp_path):
    day = DAMAGED_DAY
    build = dbt_build(
        damaged_lake, tmp_path / "warehouse" / "sparkify.duckdb", day, day, work_dir=tmp_path
    )

    assert not build.success
    failed = {name for name, status in build.statuses.items() if status in {"fail", "error"}}
    assert "unique_fact_streams_songplay_id" in failed
    # The marts counted from the events no longer reconcile with songplays either: that is all.
    assert {name for name in failed if not name.endswith("__songplays")} == {
        "unique_fact_streams_songplay_id"
    }
    skipped = {name for name, status in build.statuses.items() if status == "skipped"}
    assert {"wide_stream", "daily_plays_by_hour", "daily_catalogue_matches"} <= skipped
    # What does not read the fact is built.
    assert build.statuses["daily_top_songs"] == "success"
    assert build.statuses["dim_users"] == "success"


def test_a_build_of_other_days_is_not_failed_by_the_damaged_day(damaged_lake, tmp_path):
    """A run's tests check the days it builds: each check speaks for its run's partitions."""
    day = DAMAGED_DAY + timedelta(days=1)
    build = dbt_build(
        damaged_lake, tmp_path / "warehouse" / "sparkify.duckdb", day, day, work_dir=tmp_path
    )

    assert build.success, {
        name: s for name, s in build.statuses.items() if s not in {"success", "pass"}
    }
    assert build.statuses["unique_fact_streams_songplay_id"] == "pass"
