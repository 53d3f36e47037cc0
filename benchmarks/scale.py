"""How big the benchmark data is: the full sizes of the issue, or a quick smoke-test size."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sparkify_generator import GenerationSummary, generate_lake, model, open_sink

# A Thursday: weekdays carry more than the weekly average (weekends are quieter).
BIG_DAY = date(2018, 11, 15)
WEEKDAY_FACTOR = 7 / (5 + 2 * model.WEEKEND_FACTOR)


@dataclass(frozen=True)
class Scale:
    name: str
    history_days: int  # incremental, original-design and backfill figures
    history_events_per_day: int
    history_songs: int
    big_day_events: int  # throughput figure
    big_day_songs: int  # the catalogue the big day's plays are matched against
    song_files: int  # small-files figure
    generator_events: int  # generator speed
    warehouse_days: int  # the warehouse's incremental figure (its big-day figure: big_day_*)
    warehouse_events_per_day: int
    dashboard_days: int  # the dashboard's page renders
    dashboard_events_per_day: int
    stream_events: int  # the ingest-rate figure's events (~1.8 messages each)
    micro_batch_events: int  # new events per micro-batch run
    timed_runs: int  # small files and throughput: the best of this many timed runs each
    warm_up: bool  # a first, untimed pass warms the JVM (small files, throughput, incremental)

    @property
    def timing(self) -> str:
        """How the warm figures were timed, for their detail lines."""
        warm = "after an untimed warm-up pass" if self.warm_up else "no warm-up pass"
        return f"best of {self.timed_runs} timed run(s) each, {warm}"


FULL = Scale(
    name="full",
    history_days=30,
    history_events_per_day=100_000,
    history_songs=5_000,
    big_day_events=1_000_000,
    big_day_songs=5_000,
    song_files=10_000,
    generator_events=1_000_000,
    warehouse_days=30,
    warehouse_events_per_day=100_000,
    dashboard_days=30,
    dashboard_events_per_day=1_000_000,
    stream_events=300_000,
    micro_batch_events=3_000,
    timed_runs=2,
    warm_up=True,
)
# The least that still yields every figure (the test suite runs it): each figure's cost is then
# mostly the processes and runs it starts, so one history day (day N is day 1, and the backfill's
# one run is its daily run: each measured once) saves runs of each kind, and one timed run without
# a warm-up pass saves two more (its ratios mean nothing: it proves the code).
QUICK = Scale(
    name="quick",
    history_days=1,
    history_events_per_day=1_000,
    history_songs=100,
    big_day_events=5_000,
    big_day_songs=100,
    song_files=100,
    generator_events=20_000,
    warehouse_days=2,
    warehouse_events_per_day=1_000,
    dashboard_days=2,
    dashboard_events_per_day=1_000,
    stream_events=3_000,
    micro_batch_events=500,
    timed_runs=1,
    warm_up=False,
)


def events_per_day_for_weekday(events: int) -> int:
    """The --events-per-day (a weekly average) that puts about `events` on a weekday."""
    return round(events / WEEKDAY_FACTOR)


def generate_big_day(source: Path, scale: Scale) -> GenerationSummary:
    """The big day (BIG_DAY, ~big_day_events on a weekday): the same bytes for the throughput
    and the warehouse figures, so they time the same data."""
    return generate_lake(
        open_sink(str(source)),
        start=BIG_DAY,
        days=1,
        events_per_day=events_per_day_for_weekday(scale.big_day_events),
        songs=scale.big_day_songs,
        seed=3,
    )
