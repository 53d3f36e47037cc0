"""The whole real sample month, materialized through Dagster, against its published figures."""

import json

import pyarrow.parquet as pq
import pytest

from sparkify_dagster import tables
from sparkify_dagster.query import connect
from sparkify_dagster_tests.helpers import SAMPLE

REFERENCE = json.loads((SAMPLE / "reference_figures.json").read_text())


@pytest.fixture(scope="module")
def db(sample_lake):
    return connect(sample_lake)


def scalar(db, sql):
    return db.execute(sql).fetchone()[0]


def test_songplays_has_one_row_per_nextsong_event(db):
    assert scalar(db, "SELECT count(*) FROM songplays") == REFERENCE["nextsong_events"] == 6820
    assert scalar(db, "SELECT count(DISTINCT songplay_id) FROM songplays") == 6820


def test_exactly_the_reference_play_is_matched(db):
    matched = db.execute(
        "SELECT song_id, artist_id, user_id, session_id, epoch_ms(start_time) "
        "FROM songplays WHERE song_id IS NOT NULL"
    ).fetchall()
    assert matched == [("SOZCTXZ12AB0182364", "AR5KOSW1187FB35FF4", 15, 818, 1542837407796)]


def test_time_has_one_row_per_distinct_play_timestamp(db):
    assert scalar(db, "SELECT count(*) FROM time") == 6813
    assert scalar(db, "SELECT count(DISTINCT start_time) FROM time") == 6813


def test_users_have_the_level_of_their_latest_event(db):
    assert scalar(db, "SELECT count(*) FROM users") == 97
    levels = dict(db.execute("SELECT user_id, level FROM users").fetchall())
    changed = [int(u) for u in REFERENCE["users_with_both_levels"]]
    assert len(changed) == 8
    expected = _latest_levels_from_raw_logs()
    assert {u: levels[u] for u in changed} == {u: expected[u] for u in changed}
    assert levels[15] == "paid"
    assert levels == expected


def _latest_levels_from_raw_logs() -> dict[int, str]:
    """Recomputed independently with plain json, as the sample's README does."""
    latest = {}
    for path in sorted((SAMPLE / "log_data").rglob("*.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["userId"]:
                key = int(event["userId"])
                if key not in latest or event["ts"] > latest[key][0]:
                    latest[key] = (event["ts"], event["level"])
    return {user: level for user, (_, level) in latest.items()}


def test_songs_and_artists_have_unique_ids(db):
    assert scalar(db, "SELECT count(*) FROM songs") == REFERENCE["distinct_song_id"] == 71
    assert scalar(db, "SELECT count(*) FROM artists") == REFERENCE["distinct_artist_id"] == 69
    assert scalar(db, "SELECT count(*) FROM songs WHERE year = 0") == 0
    assert scalar(db, "SELECT count(*) FROM songs WHERE year IS NULL") == 43
    assert scalar(db, "SELECT count(*) FROM artists WHERE location = ''") == 0


def test_clean_events_are_repaired_utf8(db):
    artists = [r[0] for r in db.execute("SELECT DISTINCT artist FROM log_events").fetchall()]
    assert "Beyoncé" in artists
    assert not any("Ã" in (a or "") for a in artists)
    titles = [r[0] for r in db.execute("SELECT DISTINCT song FROM log_events").fetchall()]
    assert not any("Ã" in (t or "") for t in titles)


def test_clean_events_are_typed_and_derived(db):
    row = db.execute(
        "SELECT user_id, user_agent, location, city, state, registration, ts "
        "FROM log_events WHERE epoch_ms(ts) = 1541105830796"
    ).fetchone()
    user_id, user_agent, location, city, state, registration, ts = row
    assert user_id == 39
    assert user_agent.startswith("Mozilla/5.0 (Macintosh") and not user_agent.startswith('"')
    assert location == "San Francisco-Oakland-Hayward, CA"
    assert (city, state) == ("San Francisco-Oakland-Hayward", "CA")
    assert registration.year == 2018 and ts.isoformat().startswith("2018-11-01T20:57:10")
    assert scalar(db, "SELECT count(*) FROM log_events WHERE user_id IS NULL") == 286
    assert scalar(db, "SELECT count(*) FROM log_events") == 8056


def test_topic_tables_split_the_events(db):
    assert scalar(db, "SELECT count(*) FROM listen_events") == 6820
    assert scalar(db, "SELECT count(*) FROM page_view_events") == 8056
    auth_pages = REFERENCE["page_counts"]["Login"] + REFERENCE["page_counts"]["Logout"]
    assert scalar(db, "SELECT count(*) FROM auth_events") == auth_pages


def test_nothing_from_the_clean_sample_is_quarantined(db):
    assert scalar(db, "SELECT count(*) FROM quarantined_log_lines") == 0
    assert scalar(db, "SELECT count(*) FROM quarantined_song_records") == 0


def test_star_tables_hold_exactly_the_star_schema_columns(sample_lake):
    for table in (tables.SONGPLAYS, tables.TIME, tables.USERS, tables.SONGS, tables.ARTISTS):
        files = sorted((sample_lake / table.relative_path).rglob("*.parquet"))
        assert files, table.name
        for path in files:
            assert pq.read_schema(path).names == table.column_names, path


def test_daily_tables_are_partitioned_by_utc_day_and_songs_are_not(sample_lake):
    for table in (tables.SONGPLAYS, tables.TIME, tables.LOG_EVENTS):
        days = sorted(p.name for p in (sample_lake / table.relative_path).iterdir())
        assert days == [f"date=2018-11-{d:02d}" for d in range(1, 31)]
    songs_dir = sample_lake / tables.SONGS.relative_path
    assert not [p for p in songs_dir.iterdir() if p.is_dir()]


def test_nextsong_timestamps_stay_on_their_utc_day(db):
    first, last = db.execute("SELECT min(start_time), max(start_time) FROM songplays").fetchone()
    assert first.isoformat().startswith("2018-11-01T21:01:46")
    assert last.isoformat().startswith("2018-11-30T19:54:24")
