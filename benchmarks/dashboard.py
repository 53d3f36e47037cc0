"""The dashboard: every page renders in <= 2 s on a 30-day lake of 1M events a day, because it
reads the warehouse's marts, never the raw events.

A generated lake of `dashboard_days` days of ~`dashboard_events_per_day` events goes through
`sparkify run` (star tables, then the warehouse, then the read copy published), then each page
of the app is rendered headless with Streamlit's AppTest over the whole range (its default): the
real app.py and page script, opening the read copy, every query and every plotly figure. What a
browser then spends drawing the figures is not in it (it does not grow with the data: the
figures hold aggregates). Best of `RENDERS` warm renders per page.

    .venv/bin/python -m benchmarks --only dashboard                      # the issue's size
    .venv/bin/python -m benchmarks --only dashboard --dashboard-events-per-day 5000   # smaller
"""

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.report import Figure
from benchmarks.scale import Scale
from sparkify_generator import generate_lake, open_sink

FIRST_DAY = date(2018, 11, 1)
RENDERS = 3


def _progress(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


def render_seconds(lake: Path) -> dict[str, tuple[float, int, list[str]]]:
    """Each page's best render time over RENDERS warm renders, its charts and any problem."""
    from streamlit.testing.v1 import AppTest

    from sparkify_dagster.dashboard import APP, PAGES

    os.environ["SPARKIFY_LAKE"] = str(lake)
    os.environ.pop("SPARKIFY_WAREHOUSE", None)
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()  # imports and the first connection: not a page's cost
    shown = {}
    for page in PAGES:
        best = float("inf")
        for _ in range(RENDERS):
            started = time.perf_counter()
            app.switch_page(page.script).run()
            best = min(best, time.perf_counter() - started)
        problems = [str(e.value) for e in app.exception] + [str(e.value) for e in app.error]
        shown[page.title] = (best, len(app.get("plotly_chart")), problems)
    return shown


def run(work: Path, scale: Scale) -> list[Figure]:
    days, per_day = scale.dashboard_days, scale.dashboard_events_per_day
    source, lake = work / "raw", work / "lake"
    _progress(f"generating {days} days of ~{per_day:,} events")
    summary = generate_lake(
        open_sink(str(source)),
        start=FIRST_DAY,
        days=days,
        events_per_day=per_day,
        songs=scale.history_songs,
        seed=17,
    )
    _progress("sparkify run: star tables and the warehouse, one run")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sparkify_dagster.cli", "run", "--source", str(source),
         "--lake", str(lake), "--start", FIRST_DAY.isoformat(),
         "--end", (FIRST_DAY + timedelta(days=days - 1)).isoformat()],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "SPARKIFY_START_DATE": FIRST_DAY.isoformat()},
    )  # fmt: skip
    built = time.perf_counter() - started
    _progress(f"built in {built:.0f} s; rendering each page {RENDERS} times")
    figures = []
    for title, (seconds, charts, problems) in render_seconds(lake).items():
        if problems:
            raise RuntimeError(f"the {title} page failed: {problems[0]}")
        figures.append(
            Figure(
                name=f"dashboard: {title} page, {days} days of ~{per_day:,} events",
                a_label="render",
                a=seconds,
                goal="<= 2",
                detail=(
                    f"{summary.events:,} events; headless render (AppTest: read copy, queries, "
                    f"{charts} plotly figures), best of {RENDERS}; lake built in {built:.0f} s"
                ),
            )
        )
    return figures
