"""The dbt warehouse: its cost beside the star tables it is built from, and as history grows.

- a big day: the warehouse step ÷ the clean + star-table steps of the same run of the daily job
  (goal <= 0.5: DuckDB over the day's parquet should cost less than Spark over its JSON);
- incremental: day N's warehouse build with N-1 days present ÷ day 1's alone (goal <= 1.2).

Both time steps from the run's own event log (dagster_runs.run_days_with_warehouse), so each
ratio compares two parts of real runs of the daily job as the schedule launches it.
"""

import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.dagster_runs import WarehouseRunTimes, refresh_catalogue, run_days_with_warehouse
from benchmarks.report import Figure
from benchmarks.scale import BIG_DAY, Scale, generate_big_day
from sparkify_generator import generate_lake, open_sink

FIRST_DAY = date(2018, 11, 1)


def _progress(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


def big_day_figure(timed: WarehouseRunTimes, events: int) -> Figure:
    return Figure(
        name=f"warehouse: {events:,}-event day, dbt build ÷ clean + star tables",
        a_label="dbt build",
        a=timed.warehouse,
        b_label="star tables",
        b=timed.star_tables,
        goal="<= 0.5",
        detail=(
            "both steps of one run of the daily job (step start to end, from its event log), "
            "the faster of two reruns of the day after a first run; the dbt step includes "
            "dbt's start-up and publishing the read copy"
        ),
    )


def incremental_figure(first: float, last: float, days: int, events: dict[date, int]) -> Figure:
    last_day = FIRST_DAY + timedelta(days=days - 1)
    return Figure(
        name=f"warehouse incremental: day {days} ÷ day 1",
        a_label=f"day {days}",
        a=last,
        b_label="day 1",
        b=first,
        goal="<= 1.2",
        detail=(
            f"the dbt step of the daily run; days 1 … {days - 1} in the warehouse before day "
            f"{days}; events day 1 {events[FIRST_DAY]:,}, day {days} {events[last_day]:,}"
        ),
    )


def run(work: Path, scale: Scale) -> list[Figure]:
    # The throughput figure's day (same seed and size): the same bytes as its star-table figure.
    source, lake = work / "big_day", work / "big_day_lake"
    _progress(f"generating a day of ~{scale.big_day_events:,} events")
    summary = generate_big_day(source, scale)
    refresh_catalogue(source, lake)
    _progress("the big day: a first run, then two timed reruns")
    run_days_with_warehouse(source, lake, BIG_DAY, BIG_DAY)  # Spark warm, the models created
    timed = min(
        (run_days_with_warehouse(source, lake, BIG_DAY, BIG_DAY) for _ in range(2)),
        key=lambda t: t.warehouse + t.star_tables,
    )

    days = scale.warehouse_days
    last_day = FIRST_DAY + timedelta(days=days - 1)
    history, history_lake = work / "history", work / "history_lake"
    _progress(f"generating {days} days of ~{scale.warehouse_events_per_day:,} events")
    month = generate_lake(
        open_sink(str(history)),
        start=FIRST_DAY,
        days=days,
        events_per_day=scale.warehouse_events_per_day,
        songs=scale.history_songs,
        seed=6,
    )
    refresh_catalogue(history, history_lake)
    _progress(f"incremental: day 1, the days in between as one run, day {days}")
    first = run_days_with_warehouse(history, history_lake, FIRST_DAY, FIRST_DAY).warehouse
    if days > 2:
        run_days_with_warehouse(
            history, history_lake, FIRST_DAY + timedelta(days=1), last_day - timedelta(days=1)
        )
    last = run_days_with_warehouse(history, history_lake, last_day, last_day).warehouse

    return [
        big_day_figure(timed, summary.events),
        incremental_figure(first, last, days, {d.day: d.events for d in month.days}),
    ]
