"""Every materialization reports row count, path, column schema and a preview, per partition.

The column schema is the table as written, with each column's description: the same columns,
types and descriptions the asset declared before the run (tables.py).
"""

from datetime import date

import dagster as dg
import pytest

from sparkify_dagster.definitions import defs
from sparkify_dagster.query import connect
from sparkify_dagster_tests.helpers import (
    DAILY_ASSET_KEYS,
    SAMPLE,
    UNPARTITIONED_ASSET_KEYS,
    run_pipeline,
)

DAYS = (date(2018, 11, 20), date(2018, 11, 21))


@pytest.mark.slow  # the whole pipeline over several days
def test_every_materialization_carries_count_path_schema_and_preview(tmp_path):
    lake = tmp_path / "lake"
    result = run_pipeline(SAMPLE, lake, *DAYS)
    assert result.success

    materializations = result.get_asset_materialization_events()
    by_key = {}
    for event in materializations:
        m = event.materialization
        by_key[(m.asset_key.to_user_string(), m.partition)] = m.metadata
    expected = {(a, d.isoformat()) for a in DAILY_ASSET_KEYS for d in DAYS} | {
        (a, None) for a in UNPARTITIONED_ASSET_KEYS
    }
    assert set(by_key) == expected
    graph = defs.resolve_asset_graph()
    declared_columns = {
        key.to_user_string(): [
            (c.name, c.type, c.description)
            for c in graph.get(key).metadata["dagster/column_schema"].columns
        ]
        for key in graph.get_all_asset_keys()
    }

    for key, metadata in by_key.items():
        for field in ("dagster/row_count", "path", "dagster/column_schema", "preview"):
            assert field in metadata, (key, field)
        assert isinstance(metadata["dagster/column_schema"].schema, dg.TableSchema)
        assert metadata["path"].path.startswith(str(lake)), key
        written = metadata["dagster/column_schema"].schema.columns
        declared = declared_columns[key[0]]
        assert [(c.name, c.type, c.description) for c in written] == declared, key

    db = connect(lake)
    for day in DAYS:
        per_day = db.execute(
            "SELECT count(*) FROM songplays WHERE CAST(start_time AS DATE) = ?", [day]
        ).fetchone()[0]
        metadata = by_key[("songplays", day.isoformat())]
        assert metadata["dagster/row_count"].value == per_day > 0
        assert metadata["path"].path.endswith(f"date={day.isoformat()}")
        log_metadata = by_key[("log_events", day.isoformat())]
        assert log_metadata["lines_read"].value == log_metadata["dagster/row_count"].value
        assert log_metadata["quarantined_lines"].value == 0
    songplay_columns = [
        c.name for c in by_key[("songplays", "2018-11-20")]["dagster/column_schema"].schema.columns
    ]
    assert songplay_columns == [
        "songplay_id",
        "start_time",
        "user_id",
        "level",
        "song_id",
        "artist_id",
        "session_id",
        "location",
        "user_agent",
    ]
    assert "| songplay_id |" in by_key[("songplays", "2018-11-20")]["preview"].md_str
