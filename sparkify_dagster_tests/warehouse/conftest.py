"""Fixtures of the warehouse tests: lakes with their warehouse built."""

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def warehouse_lake(sample_lake, tmp_path) -> Path:
    """A writable copy of the sample month's lake, its warehouse built by the same run."""
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake, ignore=shutil.ignore_patterns("_lock"))
    return lake
