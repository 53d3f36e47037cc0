"""The marts in Dagster link to the dashboard page that shows them."""

import json

import dagster as dg

from sparkify_dagster.assets.warehouse import DASHBOARD_METADATA_KEY
from sparkify_dagster.dashboard import PAGES
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.resources.warehouse import warehouse_project
from sparkify_dagster.settings import Settings


def _model_folders() -> dict[str, str]:
    manifest = json.loads(warehouse_project().manifest_path.read_text())
    return {
        node["name"]: node["fqn"][1]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def test_each_mart_links_to_the_page_that_shows_it_at_the_configured_url():
    graph = build_definitions(
        Settings(dashboard_url="http://dashboard.example:9000/")
    ).resolve_asset_graph()
    folders = _model_folders()
    shown_on = {}
    for page in reversed(PAGES):  # the first page that reads a model wins
        shown_on |= dict.fromkeys(page.models, page)
    for name, folder in folders.items():
        link = graph.get(dg.AssetKey(name)).metadata.get(DASHBOARD_METADATA_KEY)
        if folder != "marts":
            assert link is None, name
            continue
        page = shown_on.get(name)
        expected = "http://dashboard.example:9000"
        if page is not None and page is not PAGES[0]:
            expected += f"/{page.url_path}"
        assert link == dg.MetadataValue.url(expected), name
    assert any(folder == "marts" for folder in folders.values())


def test_every_model_a_page_names_is_a_mart_or_production_model():
    folders = _model_folders()
    for page in PAGES:
        for model in page.models:
            assert folders.get(model) in ("marts", "production"), (page.title, model)
