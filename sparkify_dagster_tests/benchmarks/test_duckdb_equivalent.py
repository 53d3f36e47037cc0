"""The throughput benchmark's DuckDB side does our work: the same tables, row for row, and checks.

The ratio is only fair if DuckDB computes what our daily run computes, so this runs both on a
generated day with every kind of damaged line and on a day of the real sample.
"""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from benchmarks.duckdb_equivalent import duckdb_day
from sparkify_dagster import tables
from sparkify_dagster.storage import ParquetLake
from sparkify_dagster_tests.helpers import SAMPLE, run_pipeline
from sparkify_generator import generate_lake, log_file_path, open_sink

pytestmark = pytest.mark.slow

DAY_TABLES = (
    tables.LOG_EVENTS,
    tables.LISTEN_EVENTS,
    tables.PAGE_VIEW_EVENTS,
    tables.AUTH_EVENTS,
    tables.QUARANTINED_LOG_LINES,
    tables.TIME,
    tables.SONGPLAYS,
)
WHOLE_TABLES = (tables.USERS, tables.USER_STATE)


def _differences(lake: Path, day: date, duck_out: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (our rows, rows only ours has, rows only DuckDB has), duplicates counted."""
    parquet_lake = ParquetLake(lake)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    found = {}
    for table in (*DAY_TABLES, *WHOLE_TABLES):
        where = parquet_lake.partition_path(table, day) if table.daily else parquet_lake.path(table)
        ours = f"read_parquet('{where}/*.parquet', hive_partitioning = false)"
        theirs = f"read_parquet('{duck_out}/{table.name}.parquet')"
        if table is tables.QUARANTINED_LOG_LINES:
            # DuckDB's reader can't return a non-UTF-8 line's bytes (module docstring).
            keep = "source_file, reason, CASE WHEN reason != 'invalid UTF-8' THEN line END"
            ours, theirs = f"(SELECT {keep} FROM {ours})", f"(SELECT {keep} FROM {theirs})"

        def count(sql: str) -> int:
            return con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]

        found[table.name] = (
            count(f"SELECT * FROM {ours}"),
            count(f"SELECT * FROM {ours} EXCEPT ALL SELECT * FROM {theirs}"),
            count(f"SELECT * FROM {theirs} EXCEPT ALL SELECT * FROM {ours}"),
        )
    return found


def _spell_artists_two_ways(source: Path) -> set[str]:
    """One song file of each artist with several songs spells the name in capitals, which sort
    first: the artists row takes that spelling, which no log uses, so only a match on every
    spelling of the artist (the catalogue's song_match_keys) finds the plays of its songs."""
    by_artist: dict[str, list[tuple[Path, dict]]] = {}
    for path in sorted((source / "song_data").rglob("*.json")):
        song = json.loads(path.read_text())
        by_artist.setdefault(song["artist_id"], []).append((path, song))
    respelt = set()
    for artist_id, files in by_artist.items():
        path, song = files[0]
        if len(files) > 1 and song["artist_name"] != song["artist_name"].upper():
            path.write_text(json.dumps(dict(song, artist_name=song["artist_name"].upper())))
            respelt.add(artist_id)
    return respelt


def test_duckdb_computes_our_tables_on_a_generated_day_with_damaged_lines(tmp_path):
    source, lake, day = tmp_path / "source", tmp_path / "lake", date(2018, 11, 15)
    summary = generate_lake(
        open_sink(str(source)),
        start=day,
        days=1,
        events_per_day=20_000,
        songs=300,
        seed=5,
        bad_line_rate=0.01,
        absent_song_share=0.3,
    )
    respelt = _spell_artists_two_ways(source)
    assert run_pipeline(source, lake, day, day).success

    result = duckdb_day(source / log_file_path(day), day, lake, tmp_path / "duck")

    assert all(result.checks.values()), result.checks
    differences = _differences(lake, day, tmp_path / "duck")
    assert all(ours > 0 for ours, _, _ in differences.values()), differences
    assert {name: d[1:] for name, d in differences.items()} == {
        name: (0, 0) for name in differences
    }
    con = duckdb.connect()
    quarantine = f"read_parquet('{tmp_path}/duck/quarantined_log_lines.parquet')"
    reasons = {r for (r,) in con.execute(f"SELECT DISTINCT reason FROM {quarantine}").fetchall()}
    # Every kind of damage the generator makes was met, so every rule was compared.
    assert len(summary.damaged_by_kind) == len(reasons) == 5, reasons
    assert differences["quarantined_log_lines"][0] == summary.damaged_lines
    pages = f"SELECT DISTINCT page FROM read_parquet('{tmp_path}/duck/auth_events.parquet')"
    assert {"Login", "Logout", "Cancel"} <= {p for (p,) in con.execute(pages).fetchall()}
    listens = f"read_parquet('{tmp_path}/duck/listen_events.parquet')"
    repaired, plays = con.execute(
        f"SELECT count(*) FILTER (WHERE regexp_matches(first_name || artist, '[^\\x00-\\x7F]')), "
        f"count(*) FROM {listens}"
    ).fetchone()
    assert 0 < repaired < plays  # names the logs double-encode were repaired the same way
    songplays = f"read_parquet('{tmp_path}/duck/songplays.parquet')"
    matched_respelt = con.execute(
        f"SELECT count(*) FROM {songplays} WHERE list_contains(?, artist_id)", [sorted(respelt)]
    ).fetchone()[0]
    assert matched_respelt > 0  # the artist-name spellings rule was compared too


@pytest.mark.parametrize("day", [date(2018, 11, 15), date(2018, 11, 28)])
def test_duckdb_computes_our_tables_on_a_day_of_the_real_sample(sample_lake, tmp_path, day):
    log_file = SAMPLE / log_file_path(day)
    result = duckdb_day(log_file, day, sample_lake, tmp_path / "duck")

    assert all(result.checks.values()), result.checks
    differences = _differences(sample_lake, day, tmp_path / "duck")
    assert {name: d[1:] for name, d in differences.items()} == {
        name: (0, 0) for name in differences
    }
    assert differences["songplays"][0] > 0
