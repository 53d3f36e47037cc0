"""`sparkify dashboard` as people use it: started as a process on a free port over the sample
month's warehouse (and a generated month's), every page opened in headless Chromium (Playwright driving Debian's chromium),
screenshots kept in test-artifacts/, and stopped with Ctrl-C."""

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sparkify_dagster.dashboard import PAGES
from sparkify_dagster.local_server import free_port
from sparkify_dagster.query import connect
from sparkify_dagster_tests.dashboard.helpers import read_copy_of_lake
from sparkify_dagster_tests.helpers import PROJECT_ROOT, SPARKIFY, chromium, cli_environment

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# The fewest charts each page draws on the sample month (as the headless page tests find).
CHARTS = {"Overview": 1, "Listening": 4, "Users": 3, "Geography": 2, "Data quality": 1}
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@contextmanager
def _served(month_lake: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`sparkify dashboard` over a lake holding a copy of `month_lake`'s read copy (a test may
    publish a new one while it runs); stopped with SIGINT, as Ctrl-C does. Its URL and lake."""
    lake = tmp_path / "lake"
    read_copy = read_copy_of_lake(lake)
    read_copy.parent.mkdir(parents=True)
    shutil.copyfile(read_copy_of_lake(month_lake), read_copy)
    port = free_port()
    log = tmp_path / "dashboard.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*SPARKIFY, "dashboard", "--lake", str(lake), "--port", str(port)],
            env=cli_environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log)
        yield url, lake
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"sparkify dashboard did not stop on Ctrl-C\n{log.read_text()}")


@pytest.fixture
def dashboard(sample_run, tmp_path):
    """The dashboard over the sample month's warehouse."""
    with _served(sample_run[0], tmp_path) as served:
        yield served


@pytest.fixture
def generated_dashboard(generated_month, tmp_path):
    """The dashboard over the generated month's warehouse."""
    with _served(generated_month[1], tmp_path) as served:
        yield served


@contextmanager
def _every_page_visited(url: str, plays: int, screenshots: str, on_overview=None):
    """Opens each page in Chromium, waits for its charts, fails on an error element, keeps a
    screenshot (test-artifacts/SCREENSHOTS-PAGE.png) and finds the month's plays on the
    Overview (then calls on_overview(page, metric)); yields the browser's page afterwards."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            for index, shown in enumerate(PAGES):
                page.goto(url if index == 0 else f"{url}/{shown.url_path}")
                page.get_by_role("heading", name=shown.title).first.wait_for(timeout=30_000)
                charts = page.locator('[data-testid="stPlotlyChart"] .main-svg')
                charts.nth(CHARTS[shown.title] - 1).wait_for(timeout=30_000)
                page.wait_for_load_state("networkidle")
                assert page.locator(ERRORS).count() == 0, shown.title
                screenshot = ARTIFACTS / f"{screenshots}-{shown.url_path}.png"
                page.screenshot(path=str(screenshot), full_page=True)
                assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
                if index == 0:
                    metric = page.get_by_test_id("stMetric").filter(has_text="Plays (free, paid)")
                    expect(metric).to_contain_text(f"{plays:,}")
                    if on_overview:
                        on_overview(page, metric)
            yield page
        finally:
            browser.close()


def _wait_until_healthy(url: str, process: subprocess.Popen, log, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sparkify dashboard exited with {process.returncode}\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"sparkify dashboard did not answer in {timeout} s\n{log.read_text()}")


@pytest.mark.slow  # starts a server and a browser
@pytest.mark.skipif(
    chromium() is None,
    reason="no Chromium: `make test` installs Debian's chromium (scripts/ensure-chromium.sh)",
)
def test_every_page_renders_in_chromium_with_its_charts_and_the_months_plays(dashboard, sample_run):
    from playwright.sync_api import expect

    url, lake = dashboard
    with connect(sample_run[0]) as con:
        plays = con.execute("SELECT count(*) FROM songplays").fetchone()[0]

    def publish_while_open(page, metric) -> None:
        """A build publishes a new read copy (an atomic rename) while the page is open: the
        next load reads the new file, without an error."""
        read_copy = read_copy_of_lake(lake)
        fresh = read_copy.with_name("published.tmp")
        shutil.copyfile(read_copy, fresh)
        os.replace(fresh, read_copy)
        page.reload()
        expect(metric).to_contain_text(f"{plays:,}")
        assert page.locator(ERRORS).count() == 0

    with _every_page_visited(url, plays, "dashboard", publish_while_open) as page:
        # The sidebar's filters keep their values from page to page. Each click waits for the
        # page's charts, then for its run to end: a click mid-run is Streamlit's own corner
        # (streamlit/streamlit#9100), and a run goes on after its last chart is drawn.
        charts = page.locator('[data-testid="stPlotlyChart"] .main-svg')
        page.goto(url)
        charts.nth(CHARTS["Overview"] - 1).wait_for(timeout=60_000)
        _until_the_run_ends(page)
        page.get_by_test_id("stSidebar").get_by_role("button", name="free").click()
        paid = page.get_by_test_id("stMetric").filter(has_text="Plays (paid)")
        paid.wait_for(timeout=30_000)
        _until_the_run_ends(page)
        page.get_by_test_id("stSidebarNav").get_by_text("Listening").click()
        page.get_by_role("heading", name="Plays by weekday and hour (paid)").wait_for()
        charts.nth(CHARTS["Listening"] - 1).wait_for(timeout=60_000)  # a loaded machine: 1 min
        _until_the_run_ends(page)
        page.get_by_test_id("stSidebarNav").get_by_text("Overview").click()
        paid.wait_for(timeout=60_000)


def _until_the_run_ends(page, timeout_ms: int = 60_000) -> None:
    """Waits until the page's script is not running: the state Streamlit's app root carries in
    data-test-script-state (what Streamlit's own browser tests wait on)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=timeout_ms
    )


@pytest.mark.slow  # starts a server and a browser, over the generated month
@pytest.mark.skipif(
    chromium() is None,
    reason="no Chromium: `make test` installs Debian's chromium (scripts/ensure-chromium.sh)",
)
def test_every_page_renders_in_chromium_on_a_generated_month(generated_dashboard, generated_month):
    """A month with what the sample lacks (registrations, cancellations, damaged lines, songs
    missing from the catalogue): every page draws its charts, no error, the month's plays."""
    url, _ = generated_dashboard
    summary, month_lake = generated_month
    with connect(month_lake) as con:
        plays = con.execute("SELECT count(*) FROM songplays").fetchone()[0]
    assert plays == summary.listens
    with _every_page_visited(url, plays, "dashboard-generated"):
        pass
