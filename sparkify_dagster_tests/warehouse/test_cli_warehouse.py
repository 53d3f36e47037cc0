"""The warehouse from the `sparkify` command: `query` sees the models beside the lake's tables,
`dbt` runs dbt with the project, profile and paths from the settings."""

import duckdb
import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster.dbt_project import PROJECT_DIR, Warehouse
from sparkify_dagster.query import available_tables, connect, models_reading_files
from sparkify_dagster.settings import Settings
from sparkify_dagster_tests.helpers import sparkify


def _read_copy(lake):
    return Warehouse.from_settings(Settings(lake=str(lake))).read_copy


def test_query_reads_a_model_beside_the_lake_tables(sample_lake):
    result = sparkify(
        "query",
        "--lake",
        str(sample_lake),
        "--csv",
        "SELECT count(*) AS n FROM dim_users JOIN users USING (user_id) WHERE current_row",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "97"]


def test_query_reads_a_staging_view_as_its_lake_table(sample_lake):
    """stg_ views read the lake's parquet when queried: the files of this lake's tables."""
    result = sparkify(
        "query", "--lake", str(sample_lake), "--csv", "SELECT count(*) AS n FROM stg_songplays"
    )
    assert result.returncode == 0, result.stderr
    songplays = sample_lake / tables.SONGPLAYS.relative_path
    in_the_lake = sum(pq.read_metadata(f).num_rows for f in songplays.glob("date=*/*.parquet"))
    assert result.stdout.splitlines() == ["n", str(in_the_lake)]
    assert in_the_lake == 6_820


def test_query_names_the_models_and_those_it_leaves_to_their_lake_tables(
    sample_lake, warehouse_lake
):
    result = sparkify("query", "--lake", str(sample_lake), "SELECT * FROM no_such_table")
    assert result.returncode != 0
    tables_line = result.stderr.splitlines()[-1]
    assert "dim_users" in tables_line and "songplays" in tables_line
    assert "stg_songplays" in tables_line
    # A copied lake: its read copy's staging views read the original lake's files, which are
    # not this lake's tables, so they are left out, by name.
    copied = sparkify("query", "--lake", str(warehouse_lake), "SELECT * FROM no_such_table")
    assert copied.returncode != 0
    tables_line, left_out_line = copied.stderr.splitlines()[-2:]
    assert "dim_users" in tables_line and "stg_songplays" not in tables_line
    assert left_out_line.startswith("Not here (dbt views over files outside this lake's tables")
    assert "stg_songplays" in left_out_line and "dim_users" not in left_out_line


def test_every_model_is_a_view_or_left_out_by_name_and_the_warehouse_stays_read_only(
    sample_lake,
):
    con = connect(sample_lake, _read_copy(sample_lake))
    with duckdb.connect(str(_read_copy(sample_lake)), read_only=True) as warehouse:
        models = {
            name for (name,) in warehouse.sql("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        models |= {
            name
            for (name,) in warehouse.sql(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
    shown = set(available_tables(con))
    assert models == (models & shown) | set(models_reading_files(con))
    assert {"dim_users", "dim_songs", "dim_artists", "dim_location", "dim_datetime"} <= shown
    for statement in (
        "DROP TABLE warehouse.main.dim_users",
        "CREATE TABLE warehouse.main.x AS SELECT 1",
        f"ATTACH '{_read_copy(sample_lake)}' AS writable",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(statement)
    assert con.execute("SELECT count(*) FROM dim_users WHERE current_row").fetchone() == (97,)


@pytest.mark.slow  # a warehouse build in a new process (sparkify dbt build)
def test_sparkify_dbt_runs_the_project_on_the_lake_and_publishes_the_read_copy(warehouse_lake):
    listed = sparkify(
        "dbt", "--lake", str(warehouse_lake), "ls", "--resource-type", "model", "--output", "name"
    )
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    assert {"dim_users", "fact_streams", "stg_songplays"} <= set(listed.stdout.split())

    read_copy = _read_copy(warehouse_lake)
    before = read_copy.stat().st_ino
    built = sparkify("dbt", "--lake", str(warehouse_lake), "build", "--select", "dim_songs")
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert "dim_songs" in built.stdout
    assert read_copy.stat().st_ino != before  # a new copy, renamed over the old one
    # dbt's files go beside the warehouse, not into the package.
    assert (warehouse_lake / "warehouse" / "dbt" / "target" / "run_results.json").is_file()
    assert not (PROJECT_DIR / "logs").exists()


def test_sparkify_dbt_on_an_s3_lake_says_where_to_look_in_one_line():
    result = sparkify("dbt", "--lake", "s3://bucket/lake", "build")
    assert result.returncode != 0
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "README: Warehouse" in result.stderr
