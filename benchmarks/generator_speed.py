"""How fast `sparkify generate` writes a big day (goal: <= 5 s, >= 200k events/s per core)."""

import time
from pathlib import Path

from benchmarks.report import Figure
from benchmarks.scale import BIG_DAY, Scale, events_per_day_for_weekday
from sparkify_dagster.generator import generate_lake, open_sink


def run(work: Path, scale: Scale) -> list[Figure]:
    started = time.perf_counter()
    summary = generate_lake(
        open_sink(str(work / "generated_day")),
        start=BIG_DAY,
        days=1,
        events_per_day=events_per_day_for_weekday(scale.generator_events),
        songs=10_000,
        seed=1,
    )
    seconds = time.perf_counter() - started
    # Scaled to exactly `generator_events`, so the figure reads as "a 1M-event day".
    per_target_day = seconds * scale.generator_events / summary.events
    rate = summary.events / seconds
    return [
        Figure(
            name=f"generator: {scale.generator_events:,}-event day",
            a_label="",
            a=per_target_day,
            goal="<= 5",
            detail=(
                f"{summary.events:,} events and 10,000 song files in {seconds:.2f} s, "
                f"one process (one core)"
            ),
        ),
        Figure(
            name="generator: events per second per core",
            a_label="",
            a=rate,
            goal=">= 200000",
            unit="events/s",
        ),
    ]
