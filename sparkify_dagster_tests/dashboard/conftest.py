"""Fixtures of the dashboard tests: the sample month's lake with its warehouse, and writable
lakes holding a changed copy of its read copy."""

import shutil
from pathlib import Path

import pytest

from sparkify_dagster.dbt_project import Warehouse
from sparkify_dagster.settings import Settings


@pytest.fixture(scope="session")
def sample_read_copy(sample_run) -> Path:
    """The read copy the sample month's run published (star tables, then the warehouse)."""
    lake, _ = sample_run
    return Warehouse.from_settings(Settings(lake=str(lake))).read_copy


@pytest.fixture
def dashboard_env(monkeypatch):
    """Points the app (Settings.from_env) at a lake: call it with the lake."""

    def point_at(lake: Path) -> None:
        monkeypatch.setenv("SPARKIFY_LAKE", str(lake))
        monkeypatch.delenv("SPARKIFY_WAREHOUSE", raising=False)

    return point_at


@pytest.fixture
def changed_lake(sample_read_copy, tmp_path) -> Path:
    """A lake holding only a writable copy of the sample's read copy (what the app reads)."""
    lake = tmp_path / "lake"
    read_copy = Warehouse.from_settings(Settings(lake=str(lake))).read_copy
    read_copy.parent.mkdir(parents=True)
    shutil.copyfile(sample_read_copy, read_copy)
    return lake
