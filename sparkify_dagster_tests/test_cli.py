"""The `sparkify` command as users and scripts run it: a real process, with its own JVM or on
the tests' Spark (shared_spark) where what is tested happens around Spark."""

import logging
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from types import SimpleNamespace

import pytest

from sparkify_dagster.cli import _this_command
from sparkify_dagster.partitions import each_day
from sparkify_dagster.query import connect
from sparkify_dagster.steps.events import QUARANTINE_SHARE_BELOW_THRESHOLD
from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.tables import LOG_EVENTS
from sparkify_dagster.transforms.star import user_state_from_events, users_from_state
from sparkify_dagster_tests.helpers import (
    PROJECT_ROOT,
    SAMPLE,
    SPARKIFY,
    VENV_BIN,
    cli_environment,
    local_asset_graph,
    path_without_the_venv,
    sparkify,
)

_path_without_the_venv = path_without_the_venv
_environment = cli_environment
_sparkify = sparkify


# One `sparkify run` (a new process, a JVM, the warehouse) serves the tests of what it prints.
NOT_JSON_LINES = 20


@pytest.fixture(scope="module")
def run_of_two_files(tmp_path_factory, shared_spark) -> SimpleNamespace:
    """`sparkify run` without a range over the sample's song files and two of its log files:
    2018-11-01's renamed 2018-10-31 (a day before the default start, its events still stamped
    November 1) and 2018-11-05's with 20 lines that are not JSON. Its output and lake, and the
    lines of each file."""
    source = tmp_path_factory.mktemp("cli_run") / "source"
    shutil.copytree(SAMPLE / "song_data", source / "song_data")
    november = SAMPLE / "log_data" / "2018" / "11"
    (source / "log_data" / "2018" / "10").mkdir(parents=True)
    moved = source / "log_data" / "2018" / "10" / "2018-10-31-events.json"
    shutil.copy(november / "2018-11-01-events.json", moved)
    good = (november / "2018-11-05-events.json").read_bytes().splitlines()
    damaged = source / "log_data" / "2018" / "11" / "2018-11-05-events.json"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"\n".join([*good, *[b"{not json"] * NOT_JSON_LINES]) + b"\n")
    lake = source.parent / "lake"
    result = _sparkify("run", "--source", str(source), "--lake", str(lake), env=shared_spark)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return SimpleNamespace(
        out=result.stdout,
        err=result.stderr,
        lake=lake,
        moved_lines=len(moved.read_bytes().splitlines()),
        lines=len(good) + NOT_JSON_LINES,
    )


@pytest.mark.slow  # a whole `sparkify run` in a new process
def test_run_materializes_the_days_of_its_files_and_prints_a_summary_then_query_reads_it(
    run_of_two_files,
):
    out, lake = run_of_two_files.out, run_of_two_files.lake
    assert "Materializing 2018-10-31 … 2018-11-05 (6 days)" in out
    assert "no log file for 4 day(s) in 2018-10-31 … 2018-11-05" in run_of_two_files.err
    assert "Spark sessions started: 1" in out
    summary = {
        line.split()[0]: line.split()[1]
        for line in out.splitlines()
        if str(lake) in line and len(line.split()) >= 3
    }
    assert summary["songs"] == "71" and summary["artists"] == "69" and summary["users"] != "0"
    # The warehouse, built in the same run: each model with its rows.
    models = dict(
        line.split()[:2]
        for line in out.split("warehouse model", 1)[1].splitlines()[1:]
        if len(line.split()) == 2
    )
    assert models["fact_streams"] == summary["songplays"] != "0"
    assert models["dim_songs"] == "71"
    # Progress lines name the step and what it did.
    assert "clean_log_events   Parsing 2 log file(s)" in out
    assert "songplays          Wrote songplays" in out

    # The summary's hint is a command that works as printed, with no virtualenv activated.
    hint = re.search(r"^Query the tables: (.*)$", out, re.MULTILINE).group(1)
    assert not hint.startswith("sparkify "), hint
    hinted = subprocess.run(
        hint, shell=True, capture_output=True, text=True, timeout=600, env=_environment()
    )
    assert hinted.returncode == 0, hinted.stderr
    assert re.search(r"count_star\(\)|count", hinted.stdout), hinted.stdout

    query = _sparkify("query", "--lake", str(lake), "--csv", "SELECT count(*) AS n FROM songplays")
    assert query.returncode == 0, query.stderr
    assert query.stdout.splitlines() == ["n", summary["songplays"].replace(",", "")]


@pytest.mark.slow  # the module's one `sparkify run`
def test_run_widens_the_daily_partitions_to_data_before_the_default_start(run_of_two_files):
    lake = run_of_two_files.lake
    assert (lake / "clean" / "log_events" / "date=2018-10-31").is_dir()
    # Its events carry November 1 timestamps: kept, but in quarantine, with the reason.
    reasons = _sparkify(
        "query",
        "--lake",
        str(lake),
        "--csv",
        "SELECT DISTINCT reason FROM quarantined_log_lines WHERE date = DATE '2018-10-31'",
    )
    assert reasons.stdout.splitlines() == ["reason", "ts falls outside the file's UTC day"]


@pytest.mark.slow  # the module's one `sparkify run`
def test_a_warning_check_says_which_days_what_share_and_which_threshold(run_of_two_files):
    out = run_of_two_files.out.splitlines()
    checks = len(local_asset_graph().asset_check_keys)  # the steps' and the dbt tests
    assert f"Checks: {checks - 1} of {checks} passed" in out
    warned = out.index(f"  WARN  log_events.{QUARANTINE_SHARE_BELOW_THRESHOLD.name}")
    moved, lines = run_of_two_files.moved_lines, run_of_two_files.lines
    assert [line.strip() for line in out[warned + 1 : warned + 3]] == [
        f"2018-10-31: 100.0 % of {moved} lines quarantined, above the 1.0 % threshold",
        f"2018-11-05: {NOT_JSON_LINES / lines * 100:.1f} % of {lines:,} lines quarantined, "
        "above the 1.0 % threshold",
    ]


@pytest.mark.parametrize("activated", [False, True], ids=["venv-not-activated", "venv-activated"])
def test_the_hint_names_sparkify_as_it_can_be_run_from_the_project_root(monkeypatch, activated):
    script = VENV_BIN / "sparkify"
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setattr(sys, "argv", [str(script), "run"])
    path = _path_without_the_venv()
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{path}" if activated else path)
    command = _this_command()
    if activated:
        assert command == "sparkify"
    else:
        assert (PROJECT_ROOT / command).resolve() == script.resolve(), command


def test_run_explains_a_source_that_is_not_a_sparkify_lake(tmp_path):
    result = _sparkify("run", "--source", str(tmp_path), "--lake", str(tmp_path / "lake"))
    assert result.returncode != 0
    assert "has no song_data/ directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_from_kafka_needs_the_song_directory_and_the_days_before_starting_spark(tmp_path):
    kafka = ("run", "--source", "kafka://127.0.0.1:9", "--lake", str(tmp_path / "lake"))
    no_songs = _sparkify(*kafka, "--start", "2018-11-05")
    assert no_songs.returncode != 0
    assert (
        "--songs (or SPARKIFY_SONG_SOURCE) must be a directory with song_data/" in no_songs.stderr
    )
    no_days = _sparkify(*kafka, "--songs", str(SAMPLE))
    assert no_days.returncode != 0 and "give --start (and --end)" in no_days.stderr
    assert "Traceback" not in no_songs.stderr + no_days.stderr


def test_run_rejects_bad_dates_before_starting_spark(tmp_path):
    bad = _sparkify("run", "--source", str(SAMPLE), "--start", "2018-11-31", "--end", "2018-12-01")
    assert bad.returncode != 0 and "is not a date in YYYY-MM-DD form" in bad.stderr
    reversed_range = _sparkify(
        "run", "--source", str(SAMPLE), "--start", "2018-11-05", "--end", "2018-11-01"
    )
    assert reversed_range.returncode != 0 and "is after --end" in reversed_range.stderr


def test_query_names_the_tables_when_sql_is_wrong(sample_lake):
    result = _sparkify("query", "--lake", str(sample_lake), "SELECT * FROM no_such_table")
    assert result.returncode != 0
    assert "songplays" in result.stderr and "users" in result.stderr


def test_run_over_a_range_without_log_files_stops_at_once_and_says_which_days_have_data(
    tmp_path,
):
    lake = tmp_path / "lake"
    started = time.monotonic()
    result = _sparkify(
        "run",
        "--source",
        str(SAMPLE),
        "--lake",
        str(lake),
        "--start",
        "2019-01-01",
        "--end",
        "2019-01-31",
    )
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    assert (
        "no log file for 2019-01-01 … 2019-01-31; "
        "log files exist for 2018-11-01 … 2018-11-30 (30 days)" in result.stderr
    )
    assert "Traceback" not in result.stderr and "Materializing" not in result.stdout
    assert elapsed < 30  # no JVM, no Dagster run (a run takes a minute)
    assert not lake.exists()
    start_only = _sparkify(
        "run", "--source", str(SAMPLE), "--lake", str(lake), "--start", "2019-01-01"
    )
    assert "no log file for 2019-01-01 … 2019-01-01; log files exist for" in start_only.stderr
    assert not lake.exists()


def test_run_says_a_log_file_named_for_no_calendar_day_is_skipped_and_why(tmp_path):
    (tmp_path / "song_data").mkdir()
    (tmp_path / "log_data" / "2018" / "11").mkdir(parents=True)
    (tmp_path / "log_data" / "2018" / "11" / "2018-11-31-events.json").write_text("{}\n")
    result = _sparkify("run", "--source", str(tmp_path), "--lake", str(tmp_path / "lake"))
    assert result.returncode != 0
    assert "2018-11-31-events.json: 2018-11-31 is not a calendar date" in result.stderr
    assert "No YYYY-MM-DD-events.json files under" in result.stderr


@pytest.mark.slow  # a whole `sparkify run` in a new process
def test_a_failed_run_names_the_failed_step_and_its_cause_and_prints_no_summary(tmp_path):
    lake = tmp_path / "lake"
    state = lake / "state" / "users"
    state.mkdir(parents=True)
    damaged = state / "part-00000.parquet"  # the users step reads the state it merges into
    damaged.write_bytes(b"PAR1" + b"\x00" * 64)

    result = _sparkify(
        "run",
        "--source",
        str(SAMPLE),
        "--lake",
        str(lake),
        "--start",
        "2018-11-05",
        "--end",
        "2018-11-05",
    )

    assert result.returncode == 1
    output = result.stdout + result.stderr
    lines = output.splitlines()
    (failed,) = [i for i, line in enumerate(lines) if " users " in line and "failed: " in line]
    assert "[FAILED_READ_FILE" in lines[failed] and str(damaged) in lines[failed], output
    assert "failed: " not in lines[failed + 1] and "caused by" in lines[failed + 1], output
    assert not any(line.lstrip().startswith("at ") for line in lines), output
    assert "Traceback" not in output and "JVM stacktrace" not in output
    assert "Checks:" not in output and "Query the tables" not in output
    assert not any(line.startswith("table ") for line in lines)  # the summary's header
    assert lines[-1].startswith("Error: run ") and lines[-1].endswith(
        "in users: see the messages above"
    )


@pytest.mark.slow
def test_two_runs_at_once_on_one_lake_take_turns_step_by_step_and_lose_nothing(
    sample_lake, spark, shared_spark, tmp_path
):
    lake = tmp_path / "lake"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKIFY_", "DAGSTER_HOME"))}
    env.update(PYTHONPATH=str(PROJECT_ROOT), **shared_spark)
    # Two ranges, each a run in its own process, with users changing level in both (11-08: 29
    # and 80; 11-09: 85 and 36).
    first, last = date(2018, 11, 7), date(2018, 11, 10)
    halves = [(first, date(2018, 11, 8)), (date(2018, 11, 9), last)]
    runs = [
        subprocess.Popen(
            [
                *SPARKIFY,
                "run",
                *("--source", SAMPLE, "--lake", lake),
                *("--start", start.isoformat(), "--end", end.isoformat()),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for start, end in halves
    ]
    outputs = [run.communicate(timeout=1200) for run in runs]

    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out[-3000:] + err[-3000:]
        # The platform's 11 checks and the warehouse's dbt tests.
        checks = re.search(r"^Checks: (\d+) of (\d+) passed$", out, re.MULTILINE)
        assert checks and checks[1] == checks[2] and int(checks[1]) > 11, out[-3000:]
    # Each day's songplays are the sample month's of that day; users are those of one run
    # over the whole range (the pure transforms on the month's clean events of those days).
    tables = connect(lake)
    in_range = f"\"date\" BETWEEN DATE '{first}' AND DATE '{last}'"
    plays = "SELECT * FROM songplays WHERE " + in_range + " ORDER BY songplay_id"
    expected_plays = connect(sample_lake).execute(plays).fetchall()
    assert len(expected_plays) > 500
    assert tables.execute(plays).fetchall() == expected_plays
    events = ParquetLake(sample_lake).read_partitions(spark, LOG_EVENTS, each_day(first, last))
    one_run = users_from_state(user_state_from_events(events))
    expected_users = sorted(tuple(row) for row in one_run.collect())
    assert tables.execute("SELECT * FROM users ORDER BY user_id").fetchall() == expected_users


def test_a_failed_step_is_reported_in_one_line_with_its_own_error_not_dagsters_wrapper(capsys):
    from dagster._utils.error import SerializableErrorInfo

    from sparkify_dagster.cli import _CompactConsole

    cause = SerializableErrorInfo("LakeBusyError: lake /l in use by run X since T\n", [], "E")
    wrapper = SerializableErrorInfo('Error occurred while executing op "users":\n', [], "W", cause)
    event = SimpleNamespace(is_failure=True, event_specific_data=SimpleNamespace(error=wrapper))
    record = logging.LogRecord("sparkify.cli", logging.ERROR, "", 0, "failed", None, None)
    record.dagster_meta = {"dagster_event": event, "step_key": "users", "orig_message": "failed"}

    _CompactConsole().emit(record)

    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith(
        "users              failed: LakeBusyError: lake /l in use by run X since T"
    )


class _Wired(Exception):
    """Raised in place of the run once the CLI has built its settings."""


def _settings_of_run(monkeypatch, *args: str):
    """The Settings `sparkify run` wires its definitions with (no run), and the environment
    at that moment."""
    from click.testing import CliRunner

    from sparkify_dagster import definitions
    from sparkify_dagster.cli import main

    seen = {}

    def wiring(settings, **_):
        seen.update(settings=settings, environ=dict(os.environ))
        raise _Wired

    monkeypatch.setattr(definitions, "build_definitions", wiring)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    result = CliRunner().invoke(main, ["run", *args])
    assert isinstance(result.exception, _Wired), result.output
    return seen["settings"], seen["environ"]


def test_run_widens_its_settings_to_the_data_and_leaves_the_environment_alone(
    tmp_path, monkeypatch
):
    from datetime import date

    source = tmp_path / "raw"
    (source / "song_data").mkdir(parents=True)
    log = source / "log_data" / "2018" / "10" / "2018-10-31-events.json"
    log.parent.mkdir(parents=True)
    log.write_text("{}\n")
    for name in [k for k in os.environ if k.startswith("SPARKIFY_")]:
        monkeypatch.delenv(name)
    before = dict(os.environ)

    settings, environ = _settings_of_run(
        monkeypatch, "--source", str(source), "--lake", str(tmp_path / "lake")
    )
    assert environ == before
    assert settings.start_date == date(2018, 10, 31)  # unset: the data's first day
    assert (settings.source, settings.lake) == (str(source), str(tmp_path / "lake"))

    monkeypatch.setenv("SPARKIFY_START_DATE", "2018-10-01")
    monkeypatch.setenv("SPARKIFY_LAKE", str(tmp_path / "env_lake"))
    monkeypatch.setenv("SPARKIFY_SCHEDULE_HOUR_UTC", "5")
    before = dict(os.environ)
    settings, environ = _settings_of_run(monkeypatch, "--source", str(source))
    assert environ == before
    assert settings.start_date == date(2018, 10, 1)  # already covers the data
    assert settings.lake == str(tmp_path / "env_lake") and settings.schedule_hour_utc == 5


def test_run_names_a_setting_it_cannot_use_in_one_line(monkeypatch):
    monkeypatch.setenv("SPARKIFY_ENV", "foo")
    from click.testing import CliRunner

    from sparkify_dagster.cli import main

    result = CliRunner().invoke(main, ["run", "--source", str(SAMPLE)])
    assert result.exit_code != 0
    assert result.output.strip() == "Error: SPARKIFY_ENV='foo': expected one of local, emr"


def test_the_command_starts_without_loading_dagster_so_a_wrong_argument_fails_at_once():
    """Dagster, dagster-dbt and the code location take seconds to import; `sparkify` loads them
    only for the subcommands that run something."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, sparkify_dagster.cli; "
            "print(sorted(m for m in ('dagster', 'dagster_dbt', 'dagster_aws') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"
