"""The dashboard: every page renders in <= 2 s on a 30-day lake of 1M events a day, because it
reads the warehouse's marts, never the raw events.

A generated lake of `dashboard_days` days of ~`dashboard_events_per_day` events goes through
`sparkify run` (star tables, then the warehouse, then the read copy published), then each page
of the app is rendered headless with Streamlit's AppTest over the whole range (its default): the
real app.py and page script, opening the read copy, every query and every plotly figure. Best of
`RENDERS` warm renders per page. Where Chromium is installed, each page is also timed as people
see it: `sparkify dashboard` serving, headless Chromium (Playwright) loading the page until every
chart is drawn.

    .venv/bin/python -m benchmarks --only dashboard                      # the issue's size
    .venv/bin/python -m benchmarks --only dashboard --dashboard-events-per-day 5000   # smaller
"""

import os
import shutil
import signal
import socket
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


def render_seconds(lake: Path, renders: int = RENDERS) -> dict[str, tuple[float, int, list[str]]]:
    """Each page's best render time over `renders` warm renders, its charts and any problem."""
    from streamlit.testing.v1 import AppTest

    from sparkify_dagster.dashboard import APP, PAGES

    saved = {name: os.environ.get(name) for name in ("SPARKIFY_LAKE", "SPARKIFY_WAREHOUSE")}
    os.environ["SPARKIFY_LAKE"] = str(lake)  # the app reads its settings from the environment
    os.environ.pop("SPARKIFY_WAREHOUSE", None)
    try:
        app = AppTest.from_file(str(APP), default_timeout=120)
        app.run()  # imports and the first connection: not a page's cost
        shown = {}
        for page in PAGES:
            best = float("inf")
            for _ in range(renders):
                started = time.perf_counter()
                app.switch_page(page.script).run()
                best = min(best, time.perf_counter() - started)
            problems = [str(e.value) for e in app.exception] + [str(e.value) for e in app.error]
            shown[page.title] = (best, len(app.get("plotly_chart")), problems)
        return shown
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _wait_until_served(url: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:  # not listening yet
            time.sleep(0.5)
    raise RuntimeError(f"sparkify dashboard did not answer on {url} in {timeout:.0f} s")


def browser_seconds(lake: Path, charts: dict[str, int]) -> dict[str, float]:
    """Each page's best time over RENDERS loads in headless Chromium, from navigation until its
    `charts` plotly charts are drawn; {} without a Chromium."""
    from playwright.sync_api import sync_playwright

    from sparkify_dagster.dashboard import PAGES

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        return {}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "sparkify_dagster.cli", "dashboard", "--lake", str(lake),
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    timings = {}
    try:
        _wait_until_served(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            for shown in PAGES:
                address = url if shown is PAGES[0] else f"{url}/{shown.url_path}"
                drawn = page.locator('[data-testid="stPlotlyChart"] .main-svg')
                best = float("inf")
                for _ in range(RENDERS):
                    started = time.perf_counter()
                    page.goto(address)
                    drawn.nth(max(charts[shown.title], 1) - 1).wait_for(timeout=120_000)
                    best = min(best, time.perf_counter() - started)
                timings[shown.title] = best
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(30)
    return timings


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
    rendered = render_seconds(lake)
    for title, (_, _, problems) in rendered.items():
        if problems:
            raise RuntimeError(f"the {title} page failed: {problems[0]}")
    _progress(f"loading each page {RENDERS} times in headless Chromium")
    in_browser = browser_seconds(lake, {title: r[1] for title, r in rendered.items()})
    figures = []
    for title, (seconds, charts, _) in rendered.items():
        size = f"{days} days of ~{per_day:,} events"
        figures.append(
            Figure(
                name=f"dashboard: {title} page, {size}",
                a_label="render",
                a=seconds,
                goal="<= 2",
                detail=(
                    f"{summary.events:,} events; headless render (AppTest: read copy, queries, "
                    f"{charts} plotly figures), best of {RENDERS}; lake built in {built:.0f} s"
                ),
            )
        )
        if title in in_browser:
            figures.append(
                Figure(
                    name=f"dashboard: {title} page in Chromium, {size}",
                    a_label="load",
                    a=in_browser[title],
                    goal="<= 2",
                    detail=f"navigation until its {charts} charts are drawn, best of {RENDERS}",
                )
            )
    return figures
