"""`make stream-demo` as a user runs it: within ten minutes of the start, the dashboard's figures
come from the live stream and move as it goes on, and Ctrl-C stops everything it started.

The demo's own parts, unchanged: the broker, the paced generator (today's events at their own
time), the Spark Connect server and `dagster dev` with automation on. Only the cadence is the
shortest there is (one micro-batch a minute, `SPARKIFY_STREAM_INTERVAL_MINUTES=1`) and the day is
smaller, so the test waits minutes, not tens of minutes; and the server's JVM is set for short
lives as every JVM a test starts (QUICK_SPARK_ENV: a quarter less CPU for the whole demo here).
"""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sparkify_dagster.dashboard.queries import (
    Filters,
    WarehouseNotReady,
    open_read_copy,
    range_totals,
)
from sparkify_dagster.local_server import free_port
from sparkify_dagster.settings import STREAM_INTERVAL_MINUTES
from sparkify_dagster_tests.dashboard.helpers import read_copy_of_lake
from sparkify_dagster_tests.helpers import QUICK_SPARK_ENV
from sparkify_dagster_tests.make_targets import MakeTarget

pytestmark = pytest.mark.slow

WITHIN_S = 10 * 60  # the promise: the dashboard's figures move within ten minutes
EVENTS_PER_DAY = 20_000  # ~14 a minute once caught up: each micro-batch has new plays
STOP_WITHIN_S = 15


def _figures(lake: Path) -> dict[str, int] | None:
    """Today's plays and sessions as the dashboard shows them; None before the first warehouse
    build."""
    try:
        con = open_read_copy(read_copy_of_lake(lake))
    except WarehouseNotReady:
        return None
    try:
        today = datetime.now(UTC).date()
        return range_totals(con, Filters(today, today))
    finally:
        con.close()


def test_make_stream_demo_moves_the_dashboards_figures_within_ten_minutes(tmp_path):
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    if midnight - now < timedelta(seconds=WITHIN_S + 120):
        # The demo streams today's events only: across midnight its figures stop moving.
        pytest.skip("too close to midnight UTC: the demo's day would end during the test")
    demo = tmp_path / "stream_demo"
    seen: list[dict[str, int]] = []
    with MakeTarget(
        "stream-demo",
        tmp_path / "stream_demo.log",
        env={STREAM_INTERVAL_MINUTES.name: "1", **QUICK_SPARK_ENV},
        BROKER_PORT=free_port(),
        DEV_PORT=free_port(),
        SPARK_SERVER_PORT=free_port(),
        STREAM_DEMO_DIR=demo,
        STREAM_DEMO_EVENTS_PER_DAY=EVENTS_PER_DAY,
    ) as stream_demo:
        started = time.monotonic()
        while time.monotonic() - started < WITHIN_S:
            assert stream_demo.process.poll() is None, stream_demo.log.read_text()[-3000:]
            stream_demo.look()
            figures = _figures(demo / "lake")
            if figures and (not seen or figures != seen[-1]):
                seen.append(figures)
            if len(seen) >= 2:
                break
            time.sleep(5)
        logs = "\n".join(
            f"--- {p.name}\n{p.read_text()[-1500:]}" for p in [stream_demo.log, *demo.glob("*.log")]
        )
        assert len(seen) >= 2, f"the figures seen in {WITHIN_S} s: {seen}\n{logs}"
        first, later = seen[0], seen[-1]
        assert 0 < first["plays"] < later["plays"], seen
        assert first["sessions"] <= later["sessions"], seen

        # Ctrl-C, as in a terminal: every process the demo started stops.
        assert not stream_demo.stop("ctrl-c", within_s=STOP_WITHIN_S)
