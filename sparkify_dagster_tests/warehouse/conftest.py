"""Fixtures of the warehouse tests: the sample month's warehouse, built once; lakes with their
warehouse to change."""

import shutil
from pathlib import Path

import pytest

from sparkify_dagster_tests.helpers import SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY
from sparkify_dagster_tests.warehouse.helpers import DbtBuild, dbt_build


@pytest.fixture(scope="session")
def sample_warehouse_build(sample_lake, tmp_path_factory) -> tuple[Path, DbtBuild]:
    """dbt build of the whole sample month in one invocation, over the sample lake; shared
    read-only (copy the file to change it)."""
    work = tmp_path_factory.mktemp("sample_warehouse")
    warehouse = work / "warehouse" / "sparkify.duckdb"
    build = dbt_build(sample_lake, warehouse, SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY, work_dir=work)
    return warehouse, build


@pytest.fixture(scope="session")
def sample_warehouse(sample_warehouse_build) -> Path:
    warehouse, build = sample_warehouse_build
    assert build.success, {name: s for name, s in build.statuses.items() if s != "success"}
    return warehouse


@pytest.fixture
def warehouse_lake(sample_lake, tmp_path) -> Path:
    """A writable copy of the sample month's lake, with the warehouse the same Dagster run built
    in it (sample_run: star tables, then the warehouse)."""
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake, ignore=shutil.ignore_patterns("_lock"))
    return lake
