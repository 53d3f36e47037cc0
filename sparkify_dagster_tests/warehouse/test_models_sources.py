"""The dbt project's sources agree with the table registry, and the project builds without a lake
full of tables and parses without vars."""

import subprocess
import sys
from datetime import date

import yaml
from dbt.cli.main import dbtRunner

from sparkify_dagster import tables
from sparkify_dagster.dbt_project import PROJECT_DIR
from sparkify_dagster_tests.helpers import (
    DAILY_ASSET_KEYS,
    PROJECT_ROOT,
    UNPARTITIONED_ASSET_KEYS,
)
from sparkify_dagster_tests.warehouse.helpers import connect, dbt_build


def test_sources_and_staging_models_are_the_ones_generated_from_the_registry():
    result = subprocess.run(
        [sys.executable, "scripts/warehouse_sources.py", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_asset_table_is_a_source_at_its_lake_path_with_its_asset_key_and_columns():
    (lake,) = yaml.safe_load((PROJECT_DIR / "models" / "staging" / "sources.yml").read_text())[
        "sources"
    ]
    sources = {table["name"]: table for table in lake["tables"]}
    assert set(sources) == DAILY_ASSET_KEYS | UNPARTITIONED_ASSET_KEYS
    for name, source in sources.items():
        table = tables.TABLES_BY_NAME[name]
        assert source["meta"]["dagster"]["asset_key"] == [name]
        assert f"/{table.relative_path}/" in source["meta"]["external_location"]
        assert source["meta"]["lake_path"] == table.relative_path
        partition = [tables.PARTITION_COLUMN] if table.daily else []
        assert [column["name"] for column in source["columns"]] == table.column_names + partition
        assert ("hive_partitioning" in source["meta"]["external_location"]) == table.daily


def test_the_project_reads_no_environment_and_parses_without_vars(tmp_path):
    texts = [
        path.read_text()
        for path in PROJECT_DIR.rglob("*")
        if path.suffix in {".sql", ".yml"} and "target" not in path.parts
    ]
    assert not any("env_var(" in text or "SPARKIFY_" in text for text in texts)
    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--quiet",
        ]
    )
    assert result.success, result.exception
    assert (tmp_path / "target" / "manifest.json").is_file()


def test_a_lake_without_any_table_builds_empty_models(tmp_path):
    lake, warehouse = tmp_path / "lake", tmp_path / "warehouse" / "sparkify.duckdb"
    lake.mkdir()
    day = date(2018, 11, 1)

    build = dbt_build(lake, warehouse, day, day, work_dir=tmp_path)

    assert build.success, build.statuses
    with connect(warehouse) as connection:
        assert connection.execute("SELECT count(*) FROM fact_streams").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM dim_users").fetchone() == (0,)
        # Every hour of a day built exists, with or without plays.
        assert connection.execute(
            "SELECT count(*), sum(plays) FROM daily_plays_by_hour"
        ).fetchone() == (24, 0)
