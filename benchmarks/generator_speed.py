"""How fast `sparkify generate` writes a big day: on one core (goal >= 200k events/s) and on two
(the default: a writer process formats while the main one simulates; goal: 1M events <= 5 s).

The catalogue is kept at 1,000 song files, and the files go to memory (/dev/shm) when there is
one: on this VM's disk, writing the day's ~470 MB and creating tiny files cost seconds of kernel
time that vary from run to run and say nothing about the generator. The same day written to the
work directory's disk is timed too and shown in the detail.
"""

import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.report import Figure
from benchmarks.scale import BIG_DAY, Scale, events_per_day_for_weekday
from sparkify_generator import generate_lake, open_sink


def _generate(out: Path, scale: Scale, background_writer: bool) -> tuple[int, float]:
    started = time.perf_counter()
    summary = generate_lake(
        open_sink(str(out)),
        start=BIG_DAY,
        days=1,
        events_per_day=events_per_day_for_weekday(scale.generator_events),
        songs=1_000,
        seed=1,
        background_writer=background_writer,
    )
    return summary.events, time.perf_counter() - started


def _memory_dir() -> Path | None:
    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > 4 * 2**30:
        return Path(tempfile.mkdtemp(prefix="sparkify-bench-", dir=shm))
    return None


def run(work: Path, scale: Scale) -> list[Figure]:
    memory = _memory_dir()
    target = memory or work
    try:
        events, one_core = _generate(target / "one_process", scale, background_writer=False)
        _, two_cores = _generate(target / "two_processes", scale, background_writer=True)
    finally:
        if memory:
            shutil.rmtree(memory, ignore_errors=True)
    _, on_disk = _generate(work / "on_disk", scale, background_writer=True)
    where = "in memory (/dev/shm)" if memory else "on the work directory's disk"
    # Scaled to exactly `generator_events`, so the figure reads as "a 1M-event day".
    per_target_day = two_cores * scale.generator_events / events
    return [
        Figure(
            name=f"generator: {scale.generator_events:,}-event day on 2 cores",
            a_label="",
            a=per_target_day,
            goal="<= 5",
            detail=(
                f"{events:,} events in {two_cores:.2f} s {where} (simulate | format + write); "
                f"{on_disk:.2f} s to the work directory's disk"
            ),
        ),
        Figure(
            name="generator: events per second on 1 core",
            a_label="",
            a=events / one_core,
            goal=">= 200000",
            unit="events/s",
            detail=f"{events:,} events in {one_core:.2f} s, one process, {where}",
        ),
    ]
