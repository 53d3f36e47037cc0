"""A big day through clean + star tables on a warm Spark session vs DuckDB doing the same (<= 3).

DuckDB's side (duckdb_equivalent.duckdb_day) computes the same tables and checks from the same
file, catalogue and user state; a test proves the tables equal row for row.
"""

from pathlib import Path

from benchmarks.dagster_runs import refresh_catalogue, run_days
from benchmarks.duckdb_equivalent import duckdb_day
from benchmarks.report import Figure
from benchmarks.scale import BIG_DAY, Scale, generate_big_day
from sparkify_generator import log_file_path


def run(work: Path, scale: Scale) -> list[Figure]:
    source, lake = work / "big_day", work / "big_day_lake"
    summary = generate_big_day(source, scale)
    refresh_catalogue(source, lake)
    if scale.warm_up:
        run_days(source, lake, BIG_DAY, BIG_DAY)  # the timed runs rewrite the day
    ours = min(run_days(source, lake, BIG_DAY, BIG_DAY) for _ in range(scale.timed_runs))
    duck_runs = [
        duckdb_day(source / log_file_path(BIG_DAY), BIG_DAY, lake, work / "big_day_duckdb")
        for _ in range(scale.timed_runs)
    ]
    failed = {name for run in duck_runs for name, passed in run.checks.items() if not passed}
    if failed:
        raise RuntimeError(f"DuckDB's run of the big day failed its checks: {sorted(failed)}")
    duck = min(run.seconds for run in duck_runs)
    return [
        Figure(
            name=f"throughput: {summary.events:,}-event day to clean + star tables",
            a_label="ours",
            a=ours,
            b_label="DuckDB",
            b=duck,
            goal="<= 3",
            detail=(
                "the daily job with its checks on one SparkSession; DuckDB computes the same "
                f"tables and checks in SQL; {scale.timing}"
            ),
        )
    ]
