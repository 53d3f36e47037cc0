"""The code location: what `dagster dev` loads from pyproject.toml and workspace.yaml."""

import subprocess
import sys

import dagster as dg
import pytest

from sparkify_dagster.definitions import defs
from sparkify_dagster.jobs import daily_star_schema_job, song_catalogue_job
from sparkify_dagster.tables import TABLES_BY_NAME, description
from sparkify_dagster_tests.helpers import (
    ASSET_CHECKS,
    DAILY_ASSET_KEYS,
    PROJECT_ROOT,
    UNPARTITIONED_ASSET_KEYS,
    platform_asset_keys,
)

DAILY = DAILY_ASSET_KEYS
UNPARTITIONED = UNPARTITIONED_ASSET_KEYS


def test_every_table_is_an_asset_and_daily_ones_backfill_in_one_run():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in platform_asset_keys(graph)}
    assert keys == DAILY | UNPARTITIONED
    for key in DAILY:
        node = graph.get(dg.AssetKey(key))
        assert node.partitions_def is not None, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    for key in UNPARTITIONED:
        assert graph.get(dg.AssetKey(key)).partitions_def is None, key


def test_checks_guard_every_dimension_and_the_fact_table():
    checks = {
        (k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys
    }
    assert checks >= ASSET_CHECKS


def test_jobs_run_every_asset_in_one_process():
    for name in (daily_star_schema_job.name, song_catalogue_job.name):
        job = defs.resolve_job_def(name)
        assert job.executor_def is dg.in_process_executor, name
    assert defs.resolve_job_def(daily_star_schema_job.name).partitions_def is not None


@pytest.mark.parametrize("target", [[], ["-w", "workspace.yaml"]], ids=["pyproject", "workspace"])
def test_dagster_cli_loads_the_code_location(target):
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", *target],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        "Validation successful for code location sparkify_dagster" in result.stdout + result.stderr
    )


def test_loading_the_code_location_prints_no_beta_warning():
    """Every `sparkify run` and `dagster dev` imports the definitions: no noise there.

    In a fresh interpreter because pytest's own filters (pyproject.toml) hide BetaWarning here.
    """
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", "import sparkify_dagster.definitions"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Warning" not in result.stderr, result.stderr[-2000:]


def test_every_asset_shows_its_table_columns_and_their_descriptions_before_any_run():
    graph = defs.resolve_asset_graph()
    for key in platform_asset_keys(graph):
        name = key.to_user_string()
        shown = graph.get(key).metadata["dagster/column_schema"]
        assert [(c.name, c.type, c.description) for c in shown.columns] == [
            (f.name, f.dataType.simpleString(), description(f))
            for f in TABLES_BY_NAME[name].columns.fields
        ], name
