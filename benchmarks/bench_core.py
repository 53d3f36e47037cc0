"""Core pipeline figures, each a ratio of two things measured in this run on the same data.

    .venv/bin/python -m benchmarks.bench_core [--events 1000000] [--song-files 10000]

- Spark sessions started by one `sparkify run` (goal: 1).
- songs/artists from N one-song files, our asset vs DuckDB reading the same files (goal: <= 5x).
- one big day through clean + star tables on a warm session vs DuckDB doing the same SQL.

Prints a table and writes benchmarks/results/core.json.
"""

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from benchmarks.synthetic_lake import write_big_day, write_song_files
from sparkify_dagster.assets import ALL_ASSETS, CATALOGUE_ASSETS, DAILY_ASSETS
from sparkify_dagster.resources import LakeResource, SparkResource

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "fixtures" / "sparkify_sample"
DAY = date(2018, 11, 15)
CATALOGUE = dg.AssetSelection.assets(*CATALOGUE_ASSETS)
DAILY = dg.AssetSelection.assets(*DAILY_ASSETS)


def _materialize(source: Path, lake: Path, selection: dg.AssetSelection) -> float:
    started = time.perf_counter()
    result = dg.materialize(
        ALL_ASSETS,
        selection=selection,
        resources={
            "lake": LakeResource(source_root=str(source), lake_root=str(lake)),
            "spark": SparkResource(),
        },
        partition_key=DAY.isoformat() if selection is DAILY else None,
        raise_on_error=True,
    )
    assert result.success
    return time.perf_counter() - started


def sessions_per_cli_run(work: Path) -> int:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sparkify_dagster.cli",
            "run",
            "--source",
            str(SAMPLE),
            "--lake",
            str(work / "cli_lake"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(re.search(r"Spark sessions started: (\d+)", out).group(1))


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--song-files", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "core.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sparkify-bench-") as tmp:
        work = Path(tmp)
        print("Counting Spark sessions of one `sparkify run` on the sample…", flush=True)
        sessions = sessions_per_cli_run(work)

        source = work / "source"
        print(
            f"Writing {args.song_files:,} song files and a {args.events:,}-event day…", flush=True
        )
        write_song_files(SAMPLE, source, args.song_files)
        log_file = write_big_day(SAMPLE, source, DAY, args.events)

        # Warm up: JVM start and JIT on a first pass, then time the second.
        _materialize(source, work / "warm", CATALOGUE)
        catalogue_s = min(_materialize(source, work / "lake", CATALOGUE) for _ in range(2))
        duck_catalogue_s = min(duckdb_catalogue(source, work / "duck") for _ in range(2))

        _materialize(source, work / "lake", DAILY)
        day_s = _materialize(source, work / "lake", DAILY)
        duck_day_s = min(duckdb_day(log_file, work / "duck", work / "duck_day") for _ in range(2))

    figures = {
        "machine": f"{platform.node()} {platform.machine()} {platform.processor() or ''}".strip(),
        "spark_sessions_per_sparkify_run": sessions,
        "song_files": args.song_files,
        "catalogue_seconds": round(catalogue_s, 2),
        "duckdb_catalogue_seconds": round(duck_catalogue_s, 2),
        "catalogue_ratio": round(catalogue_s / duck_catalogue_s, 2),
        "day_events": args.events,
        "day_seconds": round(day_s, 2),
        "duckdb_day_seconds": round(duck_day_s, 2),
        "day_ratio": round(day_s / duck_day_s, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    rows = [
        ("Spark sessions per `sparkify run`", f"{sessions}", "", "1"),
        (
            f"songs/artists from {args.song_files:,} files",
            f"{catalogue_s:.2f} s",
            f"DuckDB {duck_catalogue_s:.2f} s",
            f"{catalogue_s / duck_catalogue_s:.2f}x (goal <= 5)",
        ),
        (
            f"{args.events:,}-event day to clean + star",
            f"{day_s:.2f} s",
            f"DuckDB {duck_day_s:.2f} s",
            f"{day_s / duck_day_s:.2f}x",
        ),
    ]
    print()
    for row in rows:
        print(f"{row[0]:<42}{row[1]:>10}  {row[2]:<16}{row[3]}")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
