"""How many SparkSessions one `sparkify run` starts (goal: 1, whatever the number of assets)."""

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.report import Figure
from benchmarks.scale import BIG_DAY, Scale
from sparkify_generator import generate_lake, open_sink


def run(work: Path, scale: Scale) -> list[Figure]:
    source = work / "sessions_source"
    generate_lake(
        open_sink(str(source)), start=BIG_DAY, days=2, events_per_day=2_000, songs=100, seed=5
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sparkify_dagster.cli",
            "run",
            "--source",
            str(source),
            "--lake",
            str(work / "sessions_lake"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sessions = int(re.search(r"Spark sessions started: (\d+)", out).group(1))
    return [
        Figure(
            name="Spark sessions per `sparkify run`",
            a_label="",
            a=sessions,
            goal="<= 1",
            unit="sessions",
            detail="every asset of the run shares one SparkSession",
        )
    ]
