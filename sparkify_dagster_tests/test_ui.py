"""The Dagster UI as a user runs it: `dagster dev` (webserver + daemon) from the project root.

Through the webserver's GraphQL API: every asset and check is listed, the dbt models with their
descriptions and lineage from the lake's tables; a 3-day backfill runs as
ONE run and writes exactly what 3 daily runs write. A headless Chromium renders the lineage page.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.jobs import song_catalogue_job
from sparkify_dagster.local_server import free_port
from sparkify_dagster.resources.warehouse import warehouse_project
from sparkify_dagster.settings import Settings
from sparkify_dagster_tests.helpers import (
    ASSET_CHECKS,
    DAILY_ASSET_KEYS,
    PROJECT_ROOT,
    UNPARTITIONED_ASSET_KEYS,
    chromium,
    lake_snapshot,
    run_pipeline,
)
from sparkify_dagster_tests.webserver_client import Webserver
from sparkify_generator import generate_lake, open_sink

FIRST_DAY = date(2018, 11, 5)
DAYS = [FIRST_DAY + timedelta(days=i) for i in range(3)]  # a first, a middle and a last day
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@dataclass
class DagsterDev(Webserver):
    source: Path
    lake: Path


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory, shared_spark):
    work = tmp_path_factory.mktemp("dagster_dev")
    home, source, lake = work / "home", work / "raw", work / "lake"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.dev.yaml", home / "dagster.yaml")
    generate_lake(
        open_sink(str(source)),
        start=FIRST_DAY,
        days=len(DAYS),
        events_per_day=1_500,
        songs=100,
        seed=8,
    )
    port = free_port()
    log = work / "dagster_dev.log"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SPARKIFY_SOURCE": str(source),
        "SPARKIFY_LAKE": str(lake),
        **shared_spark,  # the runs' Spark: the tests' own, warm
    }
    dagster = Path(sys.executable).parent / "dagster"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DagsterDev(f"http://127.0.0.1:{port}", [log], source, lake)
    try:
        server.wait_for("the webserver and the code location", server.loaded_location, 240)
        yield server
    finally:
        # Ctrl-C, then SIGKILL, as `make dev` does (scripts/dagster-dev.sh; test_make_dev.py tests
        # that stop): a SIGTERM to the group left dagster dev's services running for a minute.
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_webserver_lists_every_asset_and_check(dagster_dev):
    data = dagster_dev.graphql(
        "{ assetNodes { assetKey { path } "
        "assetChecksOrError { ... on AssetChecks { checks { name } } } } }"
    )
    nodes = data["assetNodes"]
    keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
    models = _warehouse_models()
    assert keys == DAILY_ASSET_KEYS | UNPARTITIONED_ASSET_KEYS | set(models)
    checks = {
        ("/".join(n["assetKey"]["path"]), c["name"])
        for n in nodes
        for c in n["assetChecksOrError"].get("checks", [])
    }
    # The platform's checks, and the dbt tests, each on its model.
    graph = build_definitions(Settings()).resolve_asset_graph()
    dbt_tests = {
        (k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys
    } - ASSET_CHECKS
    assert {model for model, _ in dbt_tests} <= set(models)
    assert checks == ASSET_CHECKS | dbt_tests


def _warehouse_models() -> dict[str, dict]:
    manifest = json.loads(warehouse_project().manifest_path.read_text())
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_the_ui_shows_each_dbt_model_with_its_description_and_lineage_from_the_lake(dagster_dev):
    data = dagster_dev.graphql(
        "{ assetNodes { assetKey { path } description groupName dependencyKeys { path } } }"
    )
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    for name, model in _warehouse_models().items():
        node = nodes[name]
        assert node["description"].startswith(model["description"]), name
        assert node["groupName"] == model["fqn"][1], name
    # The lake's tables are the staging models' parents, and the lineage runs on to the fact.
    assert [d["path"] for d in nodes["stg_songplays"]["dependencyKeys"]] == [["songplays"]]
    upstream, todo = set(), ["fact_streams"]
    while todo:
        for parent in nodes[todo.pop()]["dependencyKeys"]:
            name = "/".join(parent["path"])
            if name not in upstream:
                upstream.add(name)
                todo.append(name)
    assert {"stg_songplays", "songplays", "listen_events", "log_events"} <= upstream


def test_a_three_day_backfill_is_one_run_equal_to_three_daily_runs(dagster_dev, tmp_path):
    catalogue_run = dagster_dev.launch_run(song_catalogue_job.name)
    assert dagster_dev.wait_for_run(catalogue_run) == "SUCCESS"

    data = dagster_dev.graphql(
        """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
             __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
        {
            "p": {
                "partitionNames": [d.isoformat() for d in DAYS],
                "assetSelection": [{"path": [k]} for k in sorted(DAILY_ASSET_KEYS)],
            }
        },
    )
    launched = data["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill = launched["backfillId"]

    def finished():
        status = dagster_dev.graphql(
            "query($id: String!) { partitionBackfillOrError(backfillId: $id) { "
            "... on PartitionBackfill { status } } }",
            {"id": backfill},
        )["partitionBackfillOrError"]["status"]
        return status if status not in ("REQUESTED",) else None

    assert dagster_dev.wait_for("the backfill", finished) in ("COMPLETED", "COMPLETED_SUCCESS")
    runs = dagster_dev.graphql(
        """query($tag: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $tag}]}) {
             ... on Runs { results { runId status tags { key value } } } } }""",
        {"tag": backfill},
    )["runsOrError"]["results"]
    assert len(runs) == 1, runs
    run = runs[0]
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert run["status"] == "SUCCESS"
    assert tags["dagster/asset_partition_range_start"] == DAYS[0].isoformat()
    assert tags["dagster/asset_partition_range_end"] == DAYS[-1].isoformat()

    daily_lake = tmp_path / "daily"
    assert run_pipeline(dagster_dev.source, daily_lake, DAYS[0], DAYS[0]).success  # + catalogue
    for day in DAYS[1:]:
        daily = run_pipeline(
            dagster_dev.source,
            daily_lake,
            day,
            day,
            selection=[*sorted(DAILY_ASSET_KEYS)],
        )
        assert daily.success
    backfilled = {rel: rows for rel, (rows, _) in lake_snapshot(dagster_dev.lake).items()}
    separate = {rel: rows for rel, (rows, _) in lake_snapshot(daily_lake).items()}
    assert backfilled.keys() == separate.keys()
    assert any("songplays/date=" in rel for rel in backfilled)
    for rel, rows in backfilled.items():
        assert rows == separate[rel], rel


@pytest.mark.skipif(
    chromium() is None,
    reason="no Chromium: `make test` installs Debian's chromium (scripts/ensure-chromium.sh)",
)
def test_lineage_page_renders_the_groups_from_the_lake_to_the_warehouse_in_headless_chromium(
    dagster_dev,
):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "asset-lineage.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            context = browser.new_context(viewport={"width": 2200, "height": 2400})
            # A new browser profile: skip the one-time "join the community" dialog.
            context.add_init_script("localStorage.setItem('communityNux', JSON.stringify('1'))")
            page = context.new_page()
            page.goto(f"{dagster_dev.url}/asset-groups", wait_until="networkidle")
            # Every group in the sidebar: the platform's zones and the warehouse's folders.
            for group in ("clean", "star", "quarantine", "staging", "production", "marts"):
                page.get_by_text(group, exact=True).first.wait_for()
            page.keyboard.press("Alt+e")  # the graph's "Expand all groups"
            # The graph no longer fits one screen with names in full (the dbt models' names
            # are shortened when zoomed out, and only what is in view is drawn): the lake's
            # first table and the staging model on it, drawn side by side; every asset, with its
            # lineage and description, is checked through GraphQL above.
            for key in ("log_events", "stg_log_events"):
                page.get_by_text(key, exact=True).first.wait_for(state="visible", timeout=30_000)
            page.screenshot(path=str(png))
        finally:
            browser.close()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000
