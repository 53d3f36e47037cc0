"""songs/artists from many one-song files, our asset vs DuckDB reading the same files (<= 5)."""

from pathlib import Path

from benchmarks.dagster_runs import refresh_catalogue
from benchmarks.duckdb_equivalent import duckdb_catalogue
from benchmarks.report import Figure
from benchmarks.scale import BIG_DAY, Scale
from sparkify_generator import generate_lake, open_sink


def run(work: Path, scale: Scale) -> list[Figure]:
    source = work / "many_songs"
    generate_lake(
        open_sink(str(source)),
        start=BIG_DAY,
        days=1,
        events_per_day=100,
        songs=scale.song_files,
        seed=2,
    )
    if scale.warm_up:
        refresh_catalogue(source, work / "warm_up_lake")  # JVM start and JIT on a first pass
    runs = range(scale.timed_runs)
    ours = min(refresh_catalogue(source, work / "many_songs_lake") for _ in runs)
    duck = min(duckdb_catalogue(source, work / "many_songs_duckdb") for _ in runs)
    return [
        Figure(
            name=f"small files: songs/artists from {scale.song_files:,} song files",
            a_label="ours",
            a=ours,
            b_label="DuckDB",
            b=duck,
            goal="<= 5",
            detail=f"{scale.timing}; ours includes the asset checks",
        )
    ]
