"""`make dev` as a user runs it: the UI's daily partitions start at the raw lake's first day, its
tables' columns are described before any run, and Ctrl-C (or a `kill` of make) stops the
webserver, daemon and code server within 10 s."""

from datetime import date

import pytest

from sparkify_dagster.local_server import free_port
from sparkify_dagster.tables import SONGPLAYS, description
from sparkify_dagster_tests.make_targets import MakeTarget
from sparkify_dagster_tests.webserver_client import Webserver
from sparkify_generator import generate_lake, open_sink

FIRST_DAY = date(2024, 3, 4)
STOP_WITHIN_S = 10
DAGSTER_SERVICES = ("dagster_webserver", "dagster._daemon", "code-server")


def _songplays_as_shown(server: Webserver) -> tuple[str, list[tuple[str, str | None]]]:
    """The first partition of `songplays` and its columns (name, description) in the UI."""
    node = server.graphql(
        """{ assetNodeOrError(assetKey: {path: ["songplays"]}) { ... on AssetNode {
             partitionKeys
             metadataEntries { label ... on TableSchemaMetadataEntry {
               schema { columns { name description } } } } } } }"""
    )["assetNodeOrError"]
    (schema,) = [
        e["schema"] for e in node["metadataEntries"] if e["label"] == "dagster/column_schema"
    ]
    return node["partitionKeys"][0], [(c["name"], c["description"]) for c in schema["columns"]]


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["ctrl-c", "kill"])
def test_make_dev_serves_the_lake_and_stops_within_ten_seconds(tmp_path, stop):
    raw = tmp_path / "raw"
    generate_lake(
        open_sink(str(raw)), start=FIRST_DAY, days=2, events_per_day=200, songs=20, seed=3
    )
    port = free_port()
    log = tmp_path / "make_dev.log"
    dev = MakeTarget(
        "dev",
        log,
        RAW=raw,
        LAKE=tmp_path / "lake",
        DAGSTER_HOME=tmp_path / "home",
        DEV_PORT=port,
    )
    server = Webserver(f"http://127.0.0.1:{port}", [log])
    with dev:
        server.wait_for("the webserver and the code location", server.loaded_location, 300)
        first_partition, columns = _songplays_as_shown(server)
        assert first_partition == FIRST_DAY.isoformat()
        assert columns == [(f.name, description(f)) for f in SONGPLAYS.columns.fields]
        assert "Warning" not in log.read_text(), log.read_text()[-3000:]
        services = dev.look(only="dagster")
        for name in DAGSTER_SERVICES:
            assert any(name in c for c in services.values()), (name, services)

        running = dev.stop(stop, within_s=STOP_WITHIN_S)
        assert not running, f"{running}\n{server.log_tails()}"
