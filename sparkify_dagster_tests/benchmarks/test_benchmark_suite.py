"""The benchmark suite itself works: run at its quick size, it prints the table and writes JSON."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks.__main__ import BENCHMARKS
from benchmarks.report import Figure, busy_machine_warning, table
from sparkify_dagster_tests.helpers import PROJECT_ROOT, QUICK_SPARK_ENV


def test_figures_compare_ratios_with_their_goals():
    faster = Figure("x", "ours", 2.0, "theirs", 10.0, goal="<= 0.25")
    assert faster.ratio == 0.2 and faster.met
    slower = Figure("y", "etl.py", 30.0, "ours", 5.0, goal=">= 10")
    assert slower.ratio == 6.0 and not slower.met
    count = Figure("z", "", 1, goal="<= 1", unit="sessions")
    assert count.ratio is None and count.met
    printed = table([faster, slower, count])
    assert "0.20" in printed and "MISSED" in printed and "1 sessions" in printed


def test_a_run_starting_on_a_busy_machine_says_so_and_one_on_an_idle_machine_does_not():
    assert busy_machine_warning(load=0.4, cores=2) is None
    assert busy_machine_warning(load=1.0, cores=2) is None  # half the cores: still idle enough
    warning = busy_machine_warning(load=1.8, cores=2)
    assert warning is not None
    assert "load average 1.80" in warning and "2 cores" in warning and "alone" in warning


# What each benchmark the quick run covers must print. The warehouse figures cost several dbt
# builds even at the quick size (~1 min), the dashboard's a `sparkify run` with the warehouse
# (~1.5 min): their computation is tested in test_warehouse_benchmark.py and
# test_dashboard_benchmark.py instead. The Spark-sessions figure is a whole `sparkify run`
# (~140 s) reading its "Spark sessions started" line, which test_cli.py and
# test_readme_quickstart.py already assert. The streaming figures start a Spark Connect server and
# runs in new processes (~3.5 min): test_streaming_benchmark.py tests their parts.
QUICK_FIGURES = {
    "generator_speed": ("generator: 20,000-event day", "generator: events per second"),
    "small_files": ("small files:",),
    "throughput": ("throughput:",),
    "history": ("incremental:", "original design:", "backfill:"),
}


def test_the_quick_run_leaves_out_only_benchmarks_tested_elsewhere():
    assert set(BENCHMARKS) - set(QUICK_FIGURES) == {
        "warehouse",
        "dashboard",
        "spark_sessions",
        "streaming",
    }


# One test per benchmark, so that the test workers share them out.
@pytest.mark.slow
@pytest.mark.parametrize("benchmark", list(QUICK_FIGURES))
def test_quick_benchmark_run_prints_its_figures_and_writes_json(benchmark, shared_spark, tmp_path):
    out = tmp_path / "figures.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--only",
            benchmark,
            "--out",
            str(out),
            "--work",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        # Quick-size figures prove the code, their timings mean nothing: its runs, in its
        # process and in the new ones it starts, use this worker's warm Spark, and the classic
        # etl.py's own JVM the tests' options for short runs.
        env={**os.environ, **QUICK_SPARK_ENV, **shared_spark},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    document = json.loads(out.read_text())
    names = [f["name"] for f in document["figures"]]
    assert len(names) == len(QUICK_FIGURES[benchmark])
    for expected in QUICK_FIGURES[benchmark]:
        assert any(name.startswith(expected) for name in names), (expected, names)
    for figure in document["figures"]:
        assert figure["a"] > 0
        assert figure["b"] is None or figure["b"] > 0
        assert figure["name"] in run.stdout
    assert document["machine"]["cores"] >= 1 and document["scale"] == "quick"
    readme_table = out.with_suffix(".md").read_text()
    assert readme_table.count("\n| ") == len(document["figures"]) + 1
