"""Fixtures of the warehouse tests: the sample month's warehouse, built once; lakes with their
warehouse to change."""

import shutil
from pathlib import Path

import pytest

from sparkify_dagster.dbt_project import Warehouse
from sparkify_dagster.settings import Settings


@pytest.fixture(scope="session")
def sample_warehouse(sample_run) -> Path:
    """The warehouse the sample month's Dagster run built after its star tables, in one dbt
    build; shared read-only (copy the file to change it)."""
    lake, _ = sample_run
    return Warehouse.from_settings(Settings(lake=str(lake))).file


@pytest.fixture
def warehouse_lake(sample_lake, tmp_path) -> Path:
    """A writable copy of the sample month's lake, with the warehouse the same Dagster run built
    in it (sample_run: star tables, then the warehouse)."""
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake, ignore=shutil.ignore_patterns("_lock"))
    return lake
