"""The same tables computed by DuckDB from the same raw files: the speed we compare with.

DuckDB reads JSON with an explicit schema and writes parquet, single process, all cores.
"""

import time
from pathlib import Path

import duckdb


def duckdb_catalogue(source: Path, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE raw AS SELECT * FROM read_json('{source}/song_data/*/*/*/*.json', "
        "columns={num_songs: 'BIGINT', artist_id: 'VARCHAR', artist_latitude: 'DOUBLE', "
        "artist_longitude: 'DOUBLE', artist_location: 'VARCHAR', artist_name: 'VARCHAR', "
        "song_id: 'VARCHAR', title: 'VARCHAR', duration: 'DOUBLE', year: 'BIGINT'})"
    )
    con.execute(
        f"COPY (SELECT DISTINCT ON (song_id) song_id, title, artist_id, nullif(year, 0) AS year, "
        f"duration FROM raw ORDER BY song_id) TO '{out}/songs.parquet'"
    )
    con.execute(
        f"COPY (SELECT DISTINCT ON (artist_id) artist_id, artist_name AS name, "
        f"nullif(artist_location, '') AS location, artist_latitude AS latitude, "
        f"artist_longitude AS longitude FROM raw ORDER BY artist_id, name) "
        f"TO '{out}/artists.parquet'"
    )
    return time.perf_counter() - started


def duckdb_day(log_file: Path, songs: Path, out: Path) -> float:
    """The clean and star tables of one day, in DuckDB SQL."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"""CREATE TABLE events AS
        SELECT make_timestamp(ts * 1000) AS ts, TRY_CAST(nullif(userId, '') AS INTEGER) AS user_id,
               firstName AS first_name, lastName AS last_name, gender, level,
               make_timestamp(CAST(registration AS BIGINT) * 1000) AS registration,
               sessionId AS session_id, itemInSession AS item_in_session, auth, page, method,
               status, artist, song, length, location,
               regexp_extract(location, '^(.*), [^,]*$', 1) AS city,
               regexp_extract(location, ', ([^,]*)$', 1) AS state,
               regexp_replace(userAgent, '^"(.*)"$', '\\1') AS user_agent,
               year(make_timestamp(ts * 1000)) AS year, month(make_timestamp(ts * 1000)) AS month,
               day(make_timestamp(ts * 1000)) AS day, hour(make_timestamp(ts * 1000)) AS hour,
               isodow(make_timestamp(ts * 1000)) AS day_of_week,
               isodow(make_timestamp(ts * 1000)) >= 6 AS is_weekend
        FROM read_json('{log_file}', format = 'newline_delimited', columns = {{
            artist: 'VARCHAR', auth: 'VARCHAR', firstName: 'VARCHAR', gender: 'VARCHAR',
            itemInSession: 'BIGINT', lastName: 'VARCHAR', length: 'DOUBLE', level: 'VARCHAR',
            location: 'VARCHAR', method: 'VARCHAR', page: 'VARCHAR', registration: 'DOUBLE',
            sessionId: 'BIGINT', song: 'VARCHAR', status: 'BIGINT', ts: 'BIGINT',
            userAgent: 'VARCHAR', userId: 'VARCHAR'}})"""
    )
    con.execute(
        f"COPY (SELECT * FROM events ORDER BY ts, session_id, item_in_session) TO '{out}/log_events.parquet'"
    )
    con.execute(
        f"COPY (SELECT * FROM events WHERE page = 'NextSong') TO '{out}/listen_events.parquet'"
    )
    con.execute(
        f"COPY (SELECT ts, user_id, session_id, item_in_session, page, method, status, auth, level, song, artist, length, location, city, state, user_agent FROM events) TO '{out}/page_view_events.parquet'"
    )
    con.execute(
        f"COPY (SELECT * FROM events WHERE page IN ('Login', 'Logout')) TO '{out}/auth_events.parquet'"
    )
    con.execute(
        f"COPY (SELECT DISTINCT ts AS start_time, hour(ts) AS hour, day(ts) AS day, week(ts) AS week, "
        f"month(ts) AS month, year(ts) AS year, isodow(ts) AS weekday FROM events "
        f"WHERE page = 'NextSong') TO '{out}/time.parquet'"
    )
    con.execute(
        f"""COPY (SELECT md5(concat_ws('|', epoch_ms(e.ts), e.user_id, e.session_id, e.item_in_session)) AS songplay_id,
                  e.ts AS start_time, e.user_id, e.level, s.song_id, s.artist_id, e.session_id,
                  e.location, e.user_agent
           FROM events e LEFT JOIN read_parquet('{songs}/songs.parquet') s
             ON e.song = s.title AND abs(e.length - s.duration) <= 0.5
           WHERE e.page = 'NextSong') TO '{out}/songplays.parquet'"""
    )
    con.execute(
        f"COPY (SELECT user_id, arg_max(first_name, ts) AS first_name, arg_max(last_name, ts) AS last_name, "
        f"arg_max(gender, ts) AS gender, arg_max(level, ts) AS level FROM events "
        f"WHERE user_id IS NOT NULL GROUP BY user_id) TO '{out}/users.parquet'"
    )
    return time.perf_counter() - started
