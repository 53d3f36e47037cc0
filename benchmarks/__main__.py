"""Run every benchmark, print the table, write the JSON.

    .venv/bin/python -m benchmarks              # full sizes (~1 h on 2 cores)
    .venv/bin/python -m benchmarks --quick      # tiny sizes, to check the suite itself works
    .venv/bin/python -m benchmarks --only throughput,small_files
    .venv/bin/python -m benchmarks --only dashboard --dashboard-events-per-day 5000

Each figure is a ratio of two things measured in the same run on the same generated data.
"""

import argparse
import importlib
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.report import busy_machine_warning, machine, markdown, table, write_json
from benchmarks.scale import FULL, QUICK
from sparkify_dagster.settings import SPARK_REMOTE

BENCHMARKS = (
    "generator_speed",
    "spark_sessions",
    "small_files",
    "throughput",
    "history",
    "warehouse",
    "dashboard",
    "streaming",
)
RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--out", type=Path, help="JSON file (default benchmarks/results/...)")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temp dir)")
    parser.add_argument(
        "--dashboard-events-per-day",
        type=int,
        help="the dashboard figure's lake size (default: 1,000,000; --quick: 1,000)",
    )
    parser.add_argument("--dashboard-days", type=int, help="its days (default 30; --quick: 2)")
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    if args.dashboard_events_per_day or args.dashboard_days:
        scale = replace(
            scale,
            dashboard_events_per_day=args.dashboard_events_per_day
            or scale.dashboard_events_per_day,
            dashboard_days=args.dashboard_days or scale.dashboard_days,
        )
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    out = args.out or RESULTS / f"{scale.name}.json"
    if remote := SPARK_REMOTE.value():
        print(
            f"{SPARK_REMOTE.name}={remote}: the runs use that server's Spark, not a JVM of their "
            "own (the classic etl.py still starts one): not the figures of benchmarks/README.md",
            flush=True,
        )

    if not args.quick and (busy := busy_machine_warning(os.getloadavg()[0], os.cpu_count() or 1)):
        print(busy, flush=True)

    figures = []
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sparkify-bench-", dir=args.work) as tmp:
        for name in chosen:
            started = time.perf_counter()
            print(f"{time.strftime('%H:%M:%S')} {name} ({scale.name} size)…", flush=True)
            work = Path(tmp) / name
            work.mkdir()
            figures += importlib.import_module(f"benchmarks.{name}").run(work, scale)
            print(
                f"{time.strftime('%H:%M:%S')} {name} done in {time.perf_counter() - started:.0f} s"
            )
    write_json(figures, out, scale.name)
    out.with_suffix(".md").write_text(markdown(figures, machine()))
    print()
    print(table(figures))
    print(f"\nWritten to {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
