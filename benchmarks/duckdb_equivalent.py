"""The same tables computed by DuckDB from the same raw files: the speed we compare with.

DuckDB reads JSON with an explicit schema and writes parquet, single process, all cores.
`duckdb_day` is the whole daily job in DuckDB SQL: the same rules, repairs, tables and checks
as ours, so the throughput ratio compares equal work. A test
(sparkify_dagster_tests/benchmarks/test_duckdb_equivalent.py) runs both on a generated day with
damaged lines and compares every table row for row.

Where the two readers cannot agree, DuckDB's own behaviour stands (the benchmark's day has no
such lines): a line that is not UTF-8 is quarantined with DuckDB's reading of it ("?" for the
bad bytes) and no raw_bytes, as its CSV reader can neither return the bytes nor read the line
as text. So is a gzip file named .json (our quarantine says "gzip-compressed data"), and a line
longer than its reader's max_line_size (2 MB), which its reader rejects as malformed.
"""

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from sparkify_dagster import tables
from sparkify_dagster.layout import SONG_DATA, SONG_FILE_SUFFIX
from sparkify_dagster.steps.events import (
    EVERY_LINE_ACCOUNTED_FOR,
    QUARANTINE_SHARE_BELOW_THRESHOLD,
    CleanEventsSettings,
)
from sparkify_dagster.steps.star import (
    ONE_SONGPLAY_PER_LISTEN_EVENT,
    SONGPLAY_ID_KEY,
    START_TIME_KEY,
    USER_ID_KEY,
    USER_IDS_IN_USERS,
    SongplaysSettings,
)
from sparkify_dagster.transforms.events import AUTH_PAGES
from sparkify_dagster.transforms.raw_records import JSON_MAX_STRING_CHARS, too_long_reason


def duckdb_catalogue(source: Path, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        # Every song file at any depth under song_data/, as sparkify_dagster.layout lists them.
        "CREATE TABLE raw AS SELECT * FROM read_json("
        f"'{source}/{SONG_DATA}/**/*{SONG_FILE_SUFFIX}', "
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
    # Ours also writes what plays are matched on: each song under every spelling of its artist.
    con.execute(
        f"COPY (SELECT s.title, n.artist_name, s.duration, s.song_id, s.artist_id "
        f"FROM read_parquet('{out}/songs.parquet') s JOIN (SELECT DISTINCT artist_id, "
        f"artist_name FROM raw WHERE trim(artist_name) != '') n USING (artist_id) "
        f"ORDER BY song_id, artist_name) TO '{out}/song_match_keys.parquet'"
    )
    return time.perf_counter() - started


_TIMESTAMP_MS_MAX = 253_402_300_799_999
_TOO_LONG = too_long_reason("line").replace("'", "''")
# Lines are read as one CSV column: a delimiter no valid JSON line holds (control characters
# must be escaped in JSON), so a line holding one is rejected by the reader and quarantined.
_NO_DELIMITER = "\x1f"
# The raw event's fields as DuckDB's JSON reader is asked for them. Numbers come as JSON
# values so that their JSON type can be checked the way Spark's reader does (an integer field
# takes integer tokens only, a double field any number); text fields come as text.
_LONG_FIELDS = ("itemInSession", "sessionId", "status", "ts")
_DOUBLE_FIELDS = ("length", "registration")
_TEXT_FIELDS = (
    "artist",
    "auth",
    "firstName",
    "gender",
    "lastName",
    "level",
    "location",
    "method",
    "page",
    "song",
    "userAgent",
    "userId",
)
_FIELD_ORDER = sorted((*_LONG_FIELDS, *_DOUBLE_FIELDS, *_TEXT_FIELDS))
_JSON_STRUCTURE = (
    "{"
    + ",".join(f'"{f}":"{"VARCHAR" if f in _TEXT_FIELDS else "JSON"}"' for f in _FIELD_ORDER)
    + "}"
)
# The UTF-8 byte sequences, spelt as Latin-1 characters (sparkify_dagster.transforms.text).
_UTF8_SEQUENCE = (
    r"[\x{00}-\x{7F}]|[\x{C2}-\x{DF}][\x{80}-\x{BF}]"
    r"|[\x{E0}-\x{EF}][\x{80}-\x{BF}]{2}|[\x{F0}-\x{F4}][\x{80}-\x{BF}]{3}"
)

_MACROS = f"""
CREATE MACRO blank_to_null(s) AS CASE WHEN trim(s) = '' THEN NULL ELSE s END;
CREATE MACRO undo_latin1(s) AS CASE
  WHEN strlen(s) != length(s) AND regexp_full_match(s, '(?:{_UTF8_SEQUENCE})*')
  THEN array_to_string(list_transform(regexp_extract_all(s, '{_UTF8_SEQUENCE}'), lambda c:
    CASE length(c)
      WHEN 1 THEN c
      WHEN 2 THEN chr(((unicode(c[1]) & 31) << 6) | (unicode(c[2]) & 63))
      WHEN 3 THEN chr(((unicode(c[1]) & 15) << 12) | ((unicode(c[2]) & 63) << 6)
                      | (unicode(c[3]) & 63))
      ELSE chr(((unicode(c[1]) & 7) << 18) | ((unicode(c[2]) & 63) << 12)
               | ((unicode(c[3]) & 63) << 6) | (unicode(c[4]) & 63))
    END), '')
  ELSE s END;
CREATE MACRO songplay_id(ts, user_id, session_id, item_in_session) AS substr(sha256(concat_ws(
  '|', epoch_ms(ts), coalesce(user_id::VARCHAR, ''), session_id, item_in_session)), 1, 32);
CREATE MACRO ms_timestamp(ms) AS make_timestamp(ms * 1000)::TIMESTAMPTZ;
"""


def _wrong_type_fields() -> str:
    checks = [
        f"CASE WHEN json_type(e.{f}) NOT IN ('BIGINT', 'UBIGINT') THEN '{f}' END"
        if f in _LONG_FIELDS
        else f"CASE WHEN json_type(e.{f}) NOT IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN '{f}' END"
        for f in _FIELD_ORDER
        if f not in _TEXT_FIELDS
    ]
    return f"concat_ws(', ', {', '.join(checks)})"


@dataclass(frozen=True)
class DuckDBDay:
    seconds: float
    checks: dict[str, bool]
    quarantine_reasons: dict[str, int]


def duckdb_day(
    log_file: Path,
    day: date,
    lake: Path,
    out: Path,
    duration_tolerance_s: float = SongplaysSettings.duration_tolerance_s,
    quarantine_warn_share: float = CleanEventsSettings.quarantine_warn_share,
) -> DuckDBDay:
    """One day's clean and star tables and their checks, in DuckDB SQL.

    Reads the song catalogue's match keys and the user state the day starts from in our lake at
    `lake` (the same inputs our run has); writes each table to `out/<table>.parquet`.
    """
    out.mkdir(parents=True, exist_ok=True)
    match_keys, state = (
        lake / t.relative_path for t in (tables.SONG_MATCH_KEYS, tables.USER_STATE)
    )
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(_MACROS)
    # Every line, blank ones included; lines that are not UTF-8 land in reject_errors.
    con.execute(
        f"""CREATE TABLE lines AS SELECT 'file:' || filename AS source_file, coalesce(line, '') AS line
        FROM read_csv('{log_file}', columns = {{'line': 'VARCHAR'}}, header = false,
                      delim = '{_NO_DELIMITER}', quote = '', escape = '', auto_detect = false,
                      filename = true, store_rejects = true)"""
    )
    con.execute(
        f"""CREATE TABLE parsed AS
        SELECT source_file, line, e, ts_ms,
          CASE WHEN trim(line) = '' THEN 'blank line'
               WHEN length(line) > {JSON_MAX_STRING_CHARS} THEN '{_TOO_LONG}'
               WHEN e IS NULL THEN 'malformed JSON'
               WHEN wrong_type != '' THEN 'wrong type for ' || wrong_type
               WHEN ts_ms IS NULL THEN 'missing ts'
               WHEN e.sessionId IS NULL THEN 'missing sessionId'
               WHEN e.itemInSession IS NULL THEN 'missing itemInSession'
               WHEN blank_to_null(e.page) IS NULL THEN 'missing page'
               WHEN trim(e.userId) != '' AND TRY_CAST(trim(e.userId) AS INTEGER) IS NULL
                 THEN 'userId is not an integer'
               WHEN ts_ms < 0 OR ts_ms > {_TIMESTAMP_MS_MAX} THEN 'ts out of range'
               WHEN CAST(ms_timestamp(ts_ms) AS DATE) != DATE '{day}'
                 THEN 'ts falls outside the file''s UTC day'
               WHEN e.page = 'NextSong'
                 AND (blank_to_null(e.song) IS NULL OR blank_to_null(e.artist) IS NULL)
                 THEN 'NextSong without song or artist'
          END AS reason
        FROM (SELECT *, {_wrong_type_fields()} AS wrong_type, TRY_CAST(e.ts AS BIGINT) AS ts_ms
              FROM (SELECT *, CASE WHEN starts_with(ltrim(line, ' ' || chr(9) || chr(13)), '{{')
                              THEN try(json_transform(line, '{_JSON_STRUCTURE}')) END AS e
                    FROM lines))"""
    )
    # Text is repaired in two passes (undo_latin1 twice), each over plain columns.
    con.execute(
        """CREATE TABLE log_events AS
        SELECT ts, user_id, first_name, last_name, gender, level, registration, session_id,
               item_in_session, auth, page, method, status, artist, song, length, location,
               CASE WHEN has_state THEN regexp_extract(location, '^(.*), [^,]*$', 1)
                    ELSE location END AS city,
               CASE WHEN has_state THEN regexp_extract(location, ', ([^,]*)$', 1) END AS state,
               user_agent, year(ts)::INTEGER AS year, month(ts)::INTEGER AS month,
               day(ts)::INTEGER AS day, hour(ts)::INTEGER AS hour,
               isodow(ts)::INTEGER AS day_of_week, isodow(ts) >= 6 AS is_weekend
        FROM (SELECT * REPLACE (undo_latin1(first_name) AS first_name,
                                undo_latin1(last_name) AS last_name, undo_latin1(artist) AS artist,
                                undo_latin1(song) AS song, undo_latin1(location) AS location),
                     regexp_matches(undo_latin1(location), ', [^,]*$') AS has_state
        FROM (SELECT ms_timestamp(ts_ms) AS ts,
                     TRY_CAST(trim(blank_to_null(e.userId)) AS INTEGER) AS user_id,
                     undo_latin1(blank_to_null(e.firstName)) AS first_name,
                     undo_latin1(blank_to_null(e.lastName)) AS last_name,
                     blank_to_null(e.gender) AS gender, blank_to_null(e.level) AS level,
                     ms_timestamp(TRY_CAST(trunc(TRY_CAST(e.registration AS DOUBLE)) AS BIGINT))
                       AS registration,
                     TRY_CAST(e.sessionId AS BIGINT) AS session_id,
                     TRY_CAST(TRY_CAST(e.itemInSession AS BIGINT) AS INTEGER) AS item_in_session,
                     blank_to_null(e.auth) AS auth, e.page AS page,
                     blank_to_null(e.method) AS method,
                     TRY_CAST(TRY_CAST(e.status AS BIGINT) AS INTEGER) AS status,
                     undo_latin1(blank_to_null(e.artist)) AS artist,
                     undo_latin1(blank_to_null(e.song)) AS song,
                     TRY_CAST(e.length AS DOUBLE) AS length,
                     undo_latin1(blank_to_null(e.location)) AS location,
                     regexp_replace(blank_to_null(e.userAgent), '^"(.*)"$', '\\1') AS user_agent
              FROM parsed WHERE reason IS NULL))
        ORDER BY ts, session_id, item_in_session"""
    )
    # log_events is stored in key order, so its slices are written in that order as they are.
    auth_pages = ", ".join(f"'{p}'" for p in AUTH_PAGES)
    written_by_query = {
        "log_events": "SELECT * FROM log_events",
        "listen_events": "SELECT ts, user_id, level, session_id, item_in_session, song, artist, "
        "length, first_name, last_name, gender, location, city, state, user_agent "
        "FROM log_events WHERE page = 'NextSong'",
        "page_view_events": "SELECT ts, user_id, session_id, item_in_session, page, method, "
        "status, auth, level, song, artist, length, location, city, state, user_agent "
        "FROM log_events",
        "auth_events": "SELECT ts, user_id, session_id, item_in_session, page, auth, method, "
        "status, level, location, city, state, user_agent "
        f"FROM log_events WHERE page IN ({auth_pages})",
        "quarantined_log_lines": "SELECT source_file, line, reason, NULL::BLOB AS raw_bytes "
        "FROM parsed WHERE reason IS NOT NULL UNION ALL "
        "SELECT DISTINCT ON (r.scan_id, r.file_id, r.line) 'file:' || f.file_path, r.csv_line, "
        "CASE r.error_type WHEN 'INVALID ENCODING' THEN 'invalid UTF-8' "
        "ELSE 'malformed JSON' END, NULL::BLOB "
        "FROM reject_errors r JOIN reject_scans f USING (scan_id, file_id) "
        "ORDER BY source_file, line, reason",
        "time": "SELECT DISTINCT ts AS start_time, hour(ts)::INTEGER AS hour, "
        "day(ts)::INTEGER AS day, week(ts)::INTEGER AS week, month(ts)::INTEGER AS month, "
        "year(ts)::INTEGER AS year, isodow(ts)::INTEGER AS weekday "
        "FROM log_events WHERE page = 'NextSong' ORDER BY start_time",
    }
    for table, query in written_by_query.items():
        con.execute(f"COPY ({query}) TO '{out}/{table}.parquet'")

    # songplays: the closest duration among songs of the same title under any spelling of
    # their artist's name (the catalogue's match keys).
    con.execute(
        f"""CREATE TABLE songplays AS
        SELECT songplay_id(p.ts, p.user_id, p.session_id, p.item_in_session) AS songplay_id,
               p.ts AS start_time, p.user_id, p.level, c.song_id, c.artist_id, p.session_id,
               p.location, p.user_agent
        FROM (SELECT row_number() OVER () AS play, * FROM log_events WHERE page = 'NextSong') p
        LEFT JOIN read_parquet('{match_keys}/*.parquet') c
          ON c.title = p.song AND c.artist_name = p.artist
         AND abs(c.duration - p.length) <= {duration_tolerance_s}
        QUALIFY row_number() OVER (
          PARTITION BY p.play ORDER BY abs(c.duration - p.length), c.song_id, c.artist_id) = 1"""
    )
    con.execute(
        f"COPY (SELECT * FROM songplays ORDER BY start_time, songplay_id) TO '{out}/songplays.parquet'"
    )

    # users: the day's latest state per user merged into the state the day starts from.
    previous = (
        f"SELECT * FROM read_parquet('{state}/*.parquet')"
        if state.is_dir()
        else "SELECT NULL::INTEGER AS user_id, NULL AS first_name, NULL AS last_name, "
        "NULL AS gender, NULL AS level, NULL::TIMESTAMPTZ AS last_event_at, "
        "NULL::BIGINT AS last_session_id, NULL::INTEGER AS last_item_in_session LIMIT 0"
    )
    latest = (
        "QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY last_event_at DESC NULLS LAST, "
        "last_session_id DESC NULLS LAST, last_item_in_session DESC NULLS LAST, "
        "level ASC NULLS LAST) = 1"
    )
    con.execute(
        f"""CREATE TABLE user_state AS
        SELECT * FROM (
          SELECT * FROM (SELECT user_id, first_name, last_name, gender, level,
                                ts AS last_event_at, session_id AS last_session_id,
                                item_in_session AS last_item_in_session
                         FROM log_events WHERE user_id IS NOT NULL {latest})
          UNION ALL BY NAME {previous}) {latest}"""
    )
    con.execute(f"COPY (SELECT * FROM user_state ORDER BY user_id) TO '{out}/user_state.parquet'")
    con.execute(
        "COPY (SELECT user_id, first_name, last_name, gender, level FROM user_state "
        f"ORDER BY user_id) TO '{out}/users.parquet'"
    )

    # The checks our run reports, measured on the tables as written.
    def one(sql: str) -> tuple:
        return con.execute(sql).fetchone()

    def written(table: str) -> str:
        return f"read_parquet('{out}/{table}.parquet')"

    lines, clean, quarantined = one(
        "SELECT (SELECT count(*) FROM lines) + (SELECT count(DISTINCT (scan_id, file_id, line)) "
        f"FROM reject_errors), (SELECT count(*) FROM {written('log_events')}), "
        f"(SELECT count(*) FROM {written('quarantined_log_lines')})"
    )
    # Our quarantine check reports its reasons when there are quarantined lines; so does this.
    reasons = (
        dict(
            con.execute(
                f"SELECT reason, count(*) FROM {written('quarantined_log_lines')} GROUP BY reason"
            ).fetchall()
        )
        if quarantined
        else {}
    )

    def unique_and_not_null(table: str, key: str) -> bool:
        rows, non_null, distinct = one(
            f"SELECT count(*), count({key}), count(DISTINCT {key}) FROM {written(table)}"
        )
        return rows == non_null == distinct

    listens, plays, ids_not_played = one(
        f"SELECT (SELECT count(*) FROM {written('listen_events')}), "
        f"(SELECT count(*) FROM {written('songplays')}), (SELECT count(*) FROM ("
        f"SELECT songplay_id(ts, user_id, session_id, item_in_session) FROM {written('listen_events')} "
        f"EXCEPT SELECT songplay_id FROM {written('songplays')}))"
    )
    orphans = one(
        f"SELECT count(*) FROM {written('songplays')} WHERE user_id IS NOT NULL "
        f"AND user_id NOT IN (SELECT user_id FROM {written('users')})"
    )[0]
    checks = {
        EVERY_LINE_ACCOUNTED_FOR.name: lines == clean + quarantined,
        QUARANTINE_SHARE_BELOW_THRESHOLD.name: not lines
        or quarantined / lines <= quarantine_warn_share,
        **{
            check.name: unique_and_not_null(check.table.name, check.key)
            for check in (START_TIME_KEY, USER_ID_KEY, SONGPLAY_ID_KEY)
        },
        ONE_SONGPLAY_PER_LISTEN_EVENT.name: plays == listens and ids_not_played == 0,
        USER_IDS_IN_USERS.name: orphans == 0,
    }
    return DuckDBDay(
        seconds=time.perf_counter() - started, checks=checks, quarantine_reasons=reasons
    )
