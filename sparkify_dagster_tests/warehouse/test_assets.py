"""The dbt warehouse as Dagster assets: every model an asset with its description, group and
lineage from the platform's tables, dbt tests as checks, one real run building the star tables
and then the warehouse, and the warehouse's failures in one line."""

import json
import os
import shutil
from datetime import date

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster.assets.warehouse import WAREHOUSE_POOL
from sparkify_dagster.dbt_project import PROJECT_DIR, Warehouse
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.jobs import daily_star_schema_job
from sparkify_dagster.resources.warehouse import (
    event_time_args,
    manifest_is_current,
    prepared_project,
    warehouse_project,
)
from sparkify_dagster.schedules import DAILY_STAR_SCHEMA_SCHEDULE
from sparkify_dagster.sensors.raw_files import NEW_LOG_FILES
from sparkify_dagster.settings import Settings
from sparkify_dagster.tables import ALL_TABLES
from sparkify_dagster_tests.helpers import (
    DBT_KIND,
    SAMPLE,
    failure_message,
    materialize_warehouse,
    platform_asset_keys,
    warehouse_asset_keys,
)

DAY = date(2018, 11, 15)  # any day of the sample month


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(warehouse_project().manifest_path.read_text())


@pytest.fixture(scope="module")
def graph():
    return build_definitions(Settings()).resolve_asset_graph()


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_every_model_is_an_asset_in_its_folders_group_with_its_description_and_columns(
    manifest, graph
):
    models = _models(manifest)
    assert {k.to_user_string() for k in warehouse_asset_keys(graph)} == set(models)
    for name, model in models.items():
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == model["fqn"][1], name  # staging, production, marts
        assert model["description"] and node.description.startswith(model["description"]), name
        shown = node.metadata.get("dagster/column_schema")
        declared = [c["name"] for c in model["columns"].values()]
        assert [c.name for c in shown.columns] == declared if declared else shown is None, name
        assert node.partitions_def is not None, name
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), name


def test_each_lake_table_is_the_source_of_its_staging_model_and_lineage_reaches_the_marts(
    manifest, graph
):
    sources = [s["meta"]["dagster"]["asset_key"] for s in manifest["sources"].values()]
    assert {name for (name,) in sources} >= {t.name for t in ALL_TABLES if t.zone != "state"}
    for (name,) in sources:
        staging = graph.get(dg.AssetKey(f"stg_{name}"))
        assert staging.parent_keys == {dg.AssetKey(name)}, name
    platform = platform_asset_keys(graph)
    for key in warehouse_asset_keys(graph):
        # A model that reads anything reads the lake's tables, directly or through models (a
        # generated one, such as the hours of dim_datetime, reads nothing).
        ancestors = _ancestors(graph, key)
        assert not ancestors or platform & ancestors, key.to_user_string()
    assert dg.AssetKey("songplays") in _ancestors(graph, dg.AssetKey("fact_streams"))


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_dbt_tests_are_checks_of_their_model_blocking_when_their_severity_is_error(manifest, graph):
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert tests, "the dbt project has no tests"
    checks = {(k.asset_key.to_user_string(), k.name): k for k in graph.asset_check_keys}
    for test in tests:
        model = test.get("attached_node") or (test["depends_on"]["nodes"] or [""])[0]
        if not model.startswith("model."):
            continue
        found = [key for (asset, name), key in checks.items() if name == test["name"]]
        assert len(found) == 1, test["name"]
        spec = graph.get_check_spec(found[0])
        assert spec.blocking == (test["config"]["severity"].lower() == "error"), test["name"]


def test_the_daily_job_schedule_and_sensor_build_the_warehouse_with_the_star_tables(graph):
    defs = build_definitions(Settings())
    job = defs.resolve_job_def(daily_star_schema_job.name)
    selected = set(job.asset_layer.selected_asset_keys)
    assert warehouse_asset_keys(graph) <= selected
    assert dg.AssetKey("songplays") in selected
    assert defs.resolve_schedule_def(DAILY_STAR_SCHEMA_SCHEDULE).job_name == job.name
    assert defs.resolve_sensor_def(NEW_LOG_FILES).job_name == job.name
    # One build at a time per instance: the warehouse's pool (limited to 1 in deploy/).
    (models,) = [a for a in defs.assets if a.keys & warehouse_asset_keys(graph)]
    assert models.op.pool == WAREHOUSE_POOL


def test_the_sample_months_run_built_the_star_tables_then_the_warehouse(sample_run, graph):
    lake, result = sample_run
    order = [
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    ]
    assert order.index("songplays") < order.index("stg_songplays")
    assert order.index("users") < order.index("dim_users")
    assert {k.to_user_string() for k in warehouse_asset_keys(graph)} <= set(order)
    warehouse = Warehouse.from_settings(Settings(lake=str(lake)))
    with duckdb.connect(str(warehouse.read_copy), read_only=True) as con:
        current = con.execute("SELECT count(*) FROM dim_users WHERE current_row").fetchone()[0]
    assert current == 97
    # The build file and its read copy hold the same tables.
    with duckdb.connect(str(warehouse.file), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dim_users WHERE current_row").fetchone()[0] == 97


def test_the_run_passes_its_days_to_dbt_as_the_event_time_window():
    assert event_time_args([date(2018, 11, 5), date(2018, 11, 6)]) == [
        "--event-time-start",
        "2018-11-05T00:00:00",
        "--event-time-end",
        "2018-11-07T00:00:00",
    ]


def test_an_s3_lake_leaves_the_warehouse_out_and_its_daily_job_builds_the_star_tables():
    """DuckDB here reads local lakes only: on S3 the project runs with dbt-athena (README)."""
    defs = build_definitions(Settings(source=str(SAMPLE), lake="s3://bucket/lake"))
    graph = defs.resolve_asset_graph()
    assert not any(graph.get(key).kinds & {DBT_KIND} for key in graph.get_all_asset_keys())
    job = defs.resolve_job_def(daily_star_schema_job.name)
    assert "songplays" in {key.to_user_string() for key in job.asset_layer.executable_asset_keys}


def test_the_manifest_is_parsed_when_missing_and_again_when_a_model_is_newer(tmp_path):
    project_dir = tmp_path / "warehouse"
    shutil.copytree(
        PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    project = prepared_project(project_dir)
    assert project.manifest_path.is_file() and manifest_is_current(project)
    # A model edited after the parse: the manifest is older than it.
    parsed = project.manifest_path.stat().st_mtime
    os.utime(project.manifest_path, (parsed - 120, parsed - 120))
    os.utime(next((project_dir / "models").rglob("*.sql")), (parsed - 60, parsed - 60))
    assert not manifest_is_current(project)
    prepared_project(project_dir)
    assert project.manifest_path.stat().st_mtime > parsed - 60
    assert manifest_is_current(project)


def test_a_failing_dbt_test_fails_its_blocking_check_and_nothing_built_on_it_materializes(
    warehouse_lake, graph
):
    partition = warehouse_lake / tables.SONGPLAYS.relative_path / f"date={DAY.isoformat()}"
    (file,) = [path for path in partition.glob("*.parquet") if pq.read_metadata(path).num_rows]
    plays = pq.read_table(file)
    pq.write_table(pa.concat_tables([plays, plays.slice(0, 1)]), file)  # one play twice

    result = materialize_warehouse(warehouse_lake, DAY, DAY)

    assert not result.success
    failed = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }
    unique = failed[("fact_streams", "unique_fact_streams_songplay_id")]
    assert graph.get_check_spec(unique.asset_check_key).blocking
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"wide_stream", "daily_plays_by_hour"}.isdisjoint(built)
    assert {"fact_streams", "dim_users"} <= built  # built before its test / not reading it
    message = failure_message(result)
    assert message.startswith("dbt build failed: ") and "\n" not in message
    assert "unique_fact_streams_songplay_id" in message


def test_a_second_build_on_a_lake_parses_only_what_changed(warehouse_lake):
    """The warehouse keeps dbt's target directory between runs (not one per run): dbt's
    partial parsing then skips the project's parse, ~2.5 s of each run's build here."""
    defs = build_definitions(Settings(source=str(SAMPLE), lake=str(warehouse_lake)))
    log = Warehouse.from_settings(Settings(lake=str(warehouse_lake))).dbt_dir / "target" / "dbt.log"

    def build() -> dg.ExecuteInProcessResult:  # a small model: two quick builds
        return dg.materialize(
            defs.assets,
            selection=dg.AssetSelection.assets("dim_datetime"),
            resources=defs.resources,
            partition_key=DAY.isoformat(),
            raise_on_error=False,
        )

    assert build().success
    first_log_size = log.stat().st_size
    assert build().success
    second_build_log = log.read_bytes()[first_log_size:].decode()
    assert "Partial parsing enabled" in second_build_log
    assert "Unable to do partial parsing" not in second_build_log
