"""What the generator writes: the app's exact formats, the same bytes for a seed, S3, streaming."""

import json
import re
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from sparkify_dagster.cli import main
from sparkify_dagster_tests.helpers import SAMPLE
from sparkify_generator import generate_lake, open_sink


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _generate(out: str, endpoint_url: str | None = None, **overrides):
    arguments = dict(
        start=date(2018, 11, 1),
        days=2,
        events_per_day=3_000,
        songs=100,
        seed=11,
        bad_line_rate=0.01,
    )
    return generate_lake(open_sink(out, endpoint_url=endpoint_url), **{**arguments, **overrides})


def _small_lake(root: Path, **overrides) -> dict[str, bytes]:
    _generate(str(root), **overrides)
    return _files(root)


def test_log_lines_have_the_apps_keys_in_the_apps_order(generated_week):
    sample_line = next((SAMPLE / "log_data").rglob("*-events.json")).read_text().splitlines()[0]
    sample_keys = list(json.loads(sample_line))
    some_file = next((generated_week.root / "log_data").rglob("*-events.json"))
    lines = some_file.read_text(encoding="ascii").splitlines()
    for line in lines[:2_000]:
        event = json.loads(line)
        assert list(event) == sample_keys
        assert isinstance(event["userId"], str)
        assert isinstance(event["ts"], int) and isinstance(event["sessionId"], int)
    signed_in = next(line for line in lines if '"auth":"Logged In"' in line)
    # Registration is a float of epoch ms, slashes are escaped, the agent carries quotes.
    assert re.search(r'"registration":\d{13}\.0,', signed_in)
    assert '"userAgent":"\\"Mozilla\\/5.0 ' in signed_in


def test_text_is_double_encoded_like_the_real_logs(generated_week):
    artists = {e["artist"] for e in generated_week.events if e["artist"]}
    damaged = [a for a in artists if "Ã" in a]
    assert damaged, "no artist name carries the logs' double-encoded UTF-8"
    repaired = damaged[0].encode("latin-1").decode("utf-8").encode("latin-1").decode("utf-8")
    assert "Ã" not in repaired and not repaired.isascii()


def test_quirks_can_be_switched_off(tmp_path):
    files = _small_lake(tmp_path, log_quirks=False, bad_line_rate=0.0)
    text = b"".join(v for k, v in files.items() if k.startswith("log_data")).decode("ascii")
    events = [json.loads(line) for line in text.splitlines()]
    agents = {e["userAgent"] for e in events if e["userAgent"]}
    assert agents and not any(a.startswith('"') for a in agents)
    names = {e["artist"] for e in events if e["artist"]} | {e["song"] for e in events if e["song"]}
    assert not any("Ã" in n for n in names)
    assert any(not n.isascii() for n in names)


def test_song_files_are_shaped_like_the_million_song_dataset(generated_week):
    sample_song = next((SAMPLE / "song_data").rglob("*.json")).read_text()
    paths = sorted((generated_week.root / "song_data").rglob("*.json"))
    assert len(paths) == generated_week.summary.songs_listed == 2_000
    for path in paths[:200]:
        track = path.stem
        assert re.fullmatch(r"TR[A-Z]{3}[A-Z0-9]{13}", track)
        assert path.parent.relative_to(generated_week.root).parts == (
            "song_data",
            track[2],
            track[3],
            track[4],
        )
        text = path.read_text(encoding="utf-8")
        assert not text.endswith("\n")
        song = json.loads(text)
        assert list(song) == list(json.loads(sample_song))
        assert song["num_songs"] == 1
        assert re.fullmatch(r"SO[A-Z0-9]{16}", song["song_id"])
        assert re.fullmatch(r"AR[A-Z0-9]{16}", song["artist_id"])


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    first = _small_lake(tmp_path / "a")
    again = _small_lake(tmp_path / "b")
    assert first == again
    other = _small_lake(tmp_path / "c", seed=12)
    assert other.keys() != first.keys() or other != first
    log = "log_data/2018/11/2018-11-01-events.json"
    assert other.get(log) != first[log]


def test_damaged_lines_are_added_next_to_intact_ones(tmp_path):
    summary = _generate(
        str(tmp_path), days=1, events_per_day=5_000, songs=50, seed=3, bad_line_rate=0.02
    )
    good = bad = 0
    for line in (tmp_path / "log_data/2018/11/2018-11-01-events.json").read_bytes().splitlines():
        try:
            event = json.loads(line)
            int(event["userId"] or 0)
            assert isinstance(event["sessionId"], int)
            good += 1
        except (ValueError, AssertionError):
            bad += 1
    assert good == summary.events
    assert bad == summary.damaged_lines > 50
    assert set(summary.damaged_by_kind) == {
        "truncated",
        "blank",
        "wrong type",
        "invalid UTF-8",
        "non-integer userId",
    }


def test_a_day_is_streamed_to_disk_not_held_in_memory(tmp_path):
    tracemalloc.start()
    try:
        # One process, so everything the generation holds is traced (the writer process
        # holds one window's lines at a time, the same as this path).
        _generate(
            str(tmp_path),
            start=date(2018, 11, 5),
            days=1,
            events_per_day=150_000,
            songs=100,
            seed=5,
            users=5_000,
            bad_line_rate=0.0,
            background_writer=False,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    written = (tmp_path / "log_data/2018/11/2018-11-05-events.json").stat().st_size
    assert written > 50_000_000
    assert peak < written / 4, f"peak {peak:,} bytes while writing {written:,}"


def test_writes_the_same_lake_to_s3(tmp_path, s3_endpoint, s3_bucket):
    local = _small_lake(tmp_path / "local")
    _generate(f"s3://{s3_bucket}/raw/lake", endpoint_url=s3_endpoint)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=s3_bucket)
        for item in page.get("Contents", [])
    ]
    assert sorted(k.removeprefix("raw/lake/") for k in keys) == sorted(local)
    day = "log_data/2018/11/2018-11-02-events.json"
    body = s3.get_object(Bucket=s3_bucket, Key=f"raw/lake/{day}")["Body"].read()
    assert body == local[day]


def test_cli_generates_and_refuses_to_mix_lakes(tmp_path):
    out = tmp_path / "lake"
    args = [
        "generate",
        "--out",
        str(out),
        "--days",
        "2",
        "--events-per-day",
        "2000",
        "--songs",
        "40",
        "--seed",
        "1",
        "--bad-line-rate",
        "0.01",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"Wrote [\d,]+ events .* in 2 log files and 40 song files", result.output)
    assert "Damaged lines added" in result.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code != 0
    assert "--overwrite" in again.output
    replaced = CliRunner().invoke(main, [*args[:-4], "--seed", "2", "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert len(list((out / "song_data").rglob("*.json"))) == 40


def test_cli_without_start_generates_the_days_up_to_yesterday(tmp_path):
    """A demo lake looks alive: its last day is yesterday (UTC), whatever day it is made."""
    args = ["generate", "--out", str(tmp_path), "--days", "3", "--events-per-day", "50"]
    before = datetime.now(UTC).date()
    result = CliRunner().invoke(main, [*args, "--songs", "5"])
    after = datetime.now(UTC).date()
    assert result.exit_code == 0, result.output
    days = sorted(p.name[:10] for p in (tmp_path / "log_data").rglob("*-events.json"))
    expected = [
        [(today - timedelta(days=n)).isoformat() for n in (3, 2, 1)] for today in (before, after)
    ]
    assert days in expected


@pytest.mark.parametrize(
    "bad", [["--days", "0"], ["--start", "2018-13-01"], ["--bad-line-rate", "1"]]
)
def test_cli_rejects_bad_arguments(tmp_path, bad):
    result = CliRunner().invoke(main, ["generate", "--out", str(tmp_path), *bad])
    assert result.exit_code == 2


def test_the_writer_process_writes_what_the_main_process_would(tmp_path):
    parallel = _small_lake(tmp_path / "parallel")
    serial = _small_lake(tmp_path / "serial", background_writer=False)
    assert parallel == serial


def test_a_failing_writer_process_fails_the_generation_with_its_error(tmp_path):
    (tmp_path / "log_data").mkdir(parents=True)
    (tmp_path / "log_data" / "2018").write_text("a file where a directory must go")
    with pytest.raises(RuntimeError, match="log writer process failed: NotADirectoryError"):
        _generate(str(tmp_path), events_per_day=2_000, songs=20, seed=1)


def test_cli_reports_a_missing_bucket_in_one_line(s3_endpoint):
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--out",
            "s3://no-such-bucket/raw",
            "--endpoint-url",
            s3_endpoint,
            "--days",
            "1",
            "--events-per-day",
            "100",
            "--songs",
            "5",
        ],
    )
    assert result.exit_code == 1
    assert "S3:" in result.output and "NoSuchBucket" in result.output
    assert "Traceback" not in result.output
