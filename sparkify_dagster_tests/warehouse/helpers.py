"""Helpers of the warehouse tests: real `dbt build`s of the project over a lake into a DuckDB file,
the warehouse's tables read back, lakes assembled day by day from another lake's partitions."""

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from sparkify_dagster import tables
from sparkify_dagster.dbt_project import Warehouse, dbt_command
from sparkify_dagster.resources.warehouse import event_time_args


@dataclass(frozen=True)
class DbtBuild:
    success: bool
    # Each model's and test's status by name (success, pass, fail, warn, error, skipped).
    statuses: dict[str, str]
    target: Path  # the build's target directory (manifest.json, run_results.json, compiled SQL)


def dbt_build(
    lake: Path,
    warehouse: Path,
    first_day: date | None = None,
    last_day: date | None = None,
    *,
    work_dir: Path,
) -> DbtBuild:
    """`dbt build` as the platform runs it: the lake and the DuckDB file as vars, the days (both
    included) as the event-time window; dbt's target and logs in work_dir, not the project.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "build",
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--quiet",
        "--no-use-colors",
    ]
    if first_day is not None:
        args += event_time_args([first_day, last_day or first_day])
    command, env = dbt_command(Warehouse(lake=lake, file=warehouse), args)
    results = work_dir / "target" / "run_results.json"
    results.unlink(missing_ok=True)  # a previous build's
    process = subprocess.run(command, env=env, capture_output=True, text=True)
    if process.returncode not in (0, 1) or not results.is_file():
        raise RuntimeError(f"dbt build did not run:\n{process.stdout}{process.stderr}")
    statuses = {
        result["unique_id"].split(".")[2]: result["status"]
        for result in json.loads(results.read_text())["results"]
    }
    return DbtBuild(process.returncode == 0, statuses, work_dir / "target")


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, in UTC like the builds."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def warehouse_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table and view of the warehouse with all its rows, in a fixed order."""
    with connect(warehouse) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        return {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
            for name in names
        }


def lake_query(lake: Path, table: tables.Table, sql: str) -> list[tuple]:
    """A query over one of the lake's tables, read straight from its parquet files (`{table}`
    in sql), its day as the column `date`."""
    location = f"'{lake}/{table.relative_path}/**/*.parquet'"
    relation = f"read_parquet({location}{', hive_partitioning = true' if table.daily else ''})"
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        return connection.execute(sql.format(table=relation)).fetchall()


def copy_lake_day(source: Path, target: Path, day: date) -> None:
    """Bring one day of source's daily tables into target (and its unpartitioned tables as they
    are): target then holds what a lake built day by day holds after that day's run."""
    for table in tables.ALL_TABLES:
        origin = source / table.relative_path
        if table.daily:
            partition = f"{tables.PARTITION_COLUMN}={day.isoformat()}"
            shutil.copytree(origin / partition, target / table.relative_path / partition)
        elif origin.is_dir():
            shutil.copytree(origin, target / table.relative_path, dirs_exist_ok=True)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
