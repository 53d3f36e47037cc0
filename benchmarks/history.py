"""A month of history: incremental cost, the original design, single-run backfill.

- incremental: with 29 days materialized, day 30 costs what day 1 did (goal <= 1.2).
- original design: the classic etl.py over the month ÷ our day-30 run (goal >= 10).
- backfill: the month as one run ÷ the month as 30 daily runs, each run its own process as Dagster
  launches them (goal <= 0.25).
"""

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.dagster_runs import refresh_catalogue, run_days, run_days_in_new_process
from benchmarks.report import Figure
from benchmarks.scale import Scale
from sparkify_generator import generate_lake, open_sink

FIRST_DAY = date(2018, 11, 1)  # a Thursday; with 30 days, the last day is a Friday


def _progress(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


def run(work: Path, scale: Scale) -> list[Figure]:
    days = scale.history_days
    last_day = FIRST_DAY + timedelta(days=days - 1)
    source = work / "month"
    _progress(f"generating {days} days of ~{scale.history_events_per_day:,} events")
    summary = generate_lake(
        open_sink(str(source)),
        start=FIRST_DAY,
        days=days,
        events_per_day=scale.history_events_per_day,
        songs=scale.history_songs,
        seed=4,
    )
    events = {d.day: d.events for d in summary.days}

    _progress("incremental: day 1, the days in between as one run, day N")
    if scale.warm_up:
        refresh_catalogue(source, work / "month_warm_up")
        run_days(source, work / "month_warm_up", FIRST_DAY, FIRST_DAY)
    lake = work / "month_lake"
    refresh_catalogue(source, lake)
    first = run_days(source, lake, FIRST_DAY, FIRST_DAY)
    if days > 2:  # the days between the first and the last, if any
        run_days(source, lake, FIRST_DAY + timedelta(days=1), last_day - timedelta(days=1))
    # One day (the quick size): day N is day 1, measured once.
    last = run_days(source, lake, last_day, last_day) if days > 1 else first

    _progress("original design: the classic etl.py over the whole month")
    # PySpark marks a process that opened a Spark Connect session (the runs above, with
    # SPARKIFY_SPARK_REMOTE set) with SPARK_CONNECT_MODE_ENABLED, and a child that inherited the
    # mark would open one too: etl.py starts its own local Spark.
    local_spark = {k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}
    classic = json.loads(
        subprocess.run(
            [sys.executable, "-m", "benchmarks.classic_etl", str(source), str(work / "classic")],
            check=True,
            capture_output=True,
            text=True,
            env=local_spark,
        )
        .stdout.strip()
        .splitlines()[-1]
    )["seconds"]

    _progress("backfill: the month as one run, then as one run per day (each its own process)")
    single_lake, daily_lake = work / "backfill_single", work / "backfill_daily"
    refresh_catalogue(source, single_lake)
    single = run_days_in_new_process(source, single_lake, FIRST_DAY, last_day)
    separate = single  # one day (the quick size): its one run is its daily run, measured once
    if days > 1:
        refresh_catalogue(source, daily_lake)
        separate = sum(
            run_days_in_new_process(source, daily_lake, day, day)
            for day in (FIRST_DAY + timedelta(days=offset) for offset in range(days))
        )

    return [
        Figure(
            name=f"incremental: day {days} ÷ day 1",
            a_label=f"day {days}",
            a=last,
            b_label="day 1",
            b=first,
            goal="<= 1.2",
            detail=(
                (
                    f"{days - 1} days already materialized before day {days}; "
                    if days > 1
                    else "day 1 itself (one day only: the quick size); "
                )
                + f"events day 1 {events[FIRST_DAY]:,}, day {days} {events[last_day]:,}; "
                f"{'a warm session' if scale.warm_up else 'no warm-up pass'}"
            ),
        ),
        Figure(
            name=f"original design: classic etl.py over {days} days ÷ our day-{days} run",
            a_label="etl.py",
            a=classic,
            b_label=f"day {days}",
            b=last,
            goal=">= 10",
            detail=(
                f"{summary.events:,} events; etl.py timed after its SparkSession started "
                "(inference reads, full recompute, songs partitioned by year and artist_id)"
            ),
        ),
        Figure(
            name=f"backfill: {days} days as one run ÷ {days} daily runs",
            a_label="one run",
            a=single,
            b_label=f"{days} runs",
            b=separate,
            goal="<= 0.25",
            detail="each run a new process (new JVM), as Dagster's run launcher starts runs"
            + ("" if days > 1 else "; one day only (the quick size): the one run is the daily run"),
        ),
    ]
