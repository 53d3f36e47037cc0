"""The raw-file sensors against a real S3 API (moto server on 127.0.0.1) and a local directory.

Each tick is a real sensor evaluation (`evaluate_tick` with the project's repository); the cursor
is carried between ticks as the daemon stores it, as a string.
"""

import json
import os
import time
from dataclasses import dataclass

import boto3
import pytest
from dagster_aws.s3 import S3Resource

from sparkify_dagster.definitions import defs
from sparkify_dagster.jobs import daily_star_schema_job, song_catalogue_job
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.sensors.raw_files import NEW_LOG_FILES, NEW_SONG_FILES
from sparkify_dagster_tests.helpers import sensor_tick

new_log_files = defs.resolve_sensor_def(NEW_LOG_FILES)
new_song_files = defs.resolve_sensor_def(NEW_SONG_FILES)


@dataclass
class RawSource:
    """A raw lake to drop files into, and the resources the sensors read it with."""

    kind: str
    root: str
    put_file: object
    modified: object  # key → modification time as the listing sees it
    resources: dict

    def put(self, key: str, body: bytes = b"{}\n", modified_ns: int | None = None) -> None:
        """`modified_ns`: the local file's modification time; S3 stamps LastModified itself."""
        self.put_file(key, body, modified_ns)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.slow)])
def raw_source(request, tmp_path) -> RawSource:
    lake = str(tmp_path / "lake")
    if request.param == "local":
        root = tmp_path / "raw"

        def put(key, body, modified_ns):
            path = root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name("." + path.name)
            partial.write_bytes(body)
            if modified_ns is not None:
                os.utime(partial, ns=(modified_ns, modified_ns))
            os.replace(partial, path)

        def modified(key):
            return int((root / key).stat().st_mtime)

        return RawSource(
            "local",
            str(root),
            put,
            modified,
            {"lake": LakeResource(source_root=str(root), lake_root=lake), "s3": S3Resource()},
        )
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    client = boto3.client("s3", endpoint_url=endpoint)

    def put(key, body, modified_ns):
        client.put_object(Bucket=bucket, Key=f"raw/{key}", Body=body)

    def modified(key):
        return client.head_object(Bucket=bucket, Key=f"raw/{key}")["LastModified"].timestamp()

    return RawSource(
        "s3",
        f"s3://{bucket}/raw",
        put,
        modified,
        {
            "lake": LakeResource(source_root=f"s3://{bucket}/raw", lake_root=lake),
            "s3": S3Resource(endpoint_url=endpoint),
        },
    )


def tick(sensor, source: RawSource, cursor: str | None):
    result = sensor_tick(sensor, defs, cursor, resources=source.resources)
    return result.run_requests or [], result.cursor


def day_key(day: str) -> str:
    return f"log_data/{day[:4]}/{day[5:7]}/{day}-events.json"


def test_each_new_day_file_is_requested_once(raw_source):
    raw_source.put(day_key("2018-11-01"))
    raw_source.put(day_key("2018-11-02"))
    requests, cursor = tick(new_log_files, raw_source, None)
    assert sorted(r.partition_key for r in requests) == ["2018-11-01", "2018-11-02"]
    assert new_log_files.job_name == daily_star_schema_job.name
    assert len({r.run_key for r in requests}) == 2
    assert set(json.loads(cursor)["versions"]) == {day_key("2018-11-01"), day_key("2018-11-02")}

    for _ in range(2):  # later ticks, and a restarted daemon reading the stored cursor
        requests, cursor = tick(new_log_files, raw_source, cursor)
        assert requests == []


def test_files_sharing_one_modification_second_are_all_picked_up(raw_source):
    """The newest second is where LastModified-based cursors lose files: exercise it. Local
    files are given one modification time; S3 objects must be uploaded within one second."""
    cursor = None
    for attempt in range(6):
        first, second, third = (f"2018-11-{1 + 3 * attempt + i:02d}" for i in range(3))
        # Start at the top of a second: a tick under load (three test workers) may take most of it.
        time.sleep(1 - time.time() % 1)
        modified_ns = time.time_ns()
        raw_source.put(day_key(first), modified_ns=modified_ns)
        requests, cursor = tick(new_log_files, raw_source, cursor)
        assert [r.partition_key for r in requests] == [first]
        raw_source.put(day_key(second), modified_ns=modified_ns)
        raw_source.put(day_key(third), modified_ns=modified_ns)
        same_second = {int(raw_source.modified(day_key(d))) for d in (first, second, third)}
        requests, cursor = tick(new_log_files, raw_source, cursor)
        assert sorted(r.partition_key for r in requests) == [second, third]
        assert tick(new_log_files, raw_source, cursor)[0] == []
        if len(same_second) == 1:
            return
    pytest.fail("could not upload three files within one second in six attempts")


def test_a_rewritten_day_file_is_requested_again_once(raw_source):
    raw_source.put(day_key("2018-11-03"), b'{"v": 1}\n')
    _, cursor = tick(new_log_files, raw_source, None)
    raw_source.put(day_key("2018-11-03"), b'{"v": 2}\n')  # new content
    requests, cursor = tick(new_log_files, raw_source, cursor)
    assert [r.partition_key for r in requests] == ["2018-11-03"]
    time.sleep(1.1)
    raw_source.put(day_key("2018-11-03"), b'{"v": 2}\n')  # same bytes, uploaded again
    again, cursor = tick(new_log_files, raw_source, cursor)
    assert [r.partition_key for r in again] == ["2018-11-03"]
    assert again[0].run_key != requests[0].run_key
    assert tick(new_log_files, raw_source, cursor)[0] == []


def test_names_that_do_not_fit_are_skipped_and_remembered(raw_source, capfd):
    junk = [
        "log_data/2018/11/readme.txt",
        "log_data/2018/11/2018-13-45-events.json",
        "log_data/2018/11/2018-11-05-events.json.bak",
        "log_data/2017/01/2017-01-01-events.json",  # before the first partition
    ]
    for key in junk:
        raw_source.put(key)
    raw_source.put(day_key("2018-11-05"))
    requests, cursor = tick(new_log_files, raw_source, None)
    assert [r.partition_key for r in requests] == ["2018-11-05"]
    assert set(json.loads(cursor)["ignored"]) == set(junk)
    logged = capfd.readouterr().err
    for key in junk:
        assert f"Skipping {key}" in logged
    assert "outside the daily partitions" in logged
    assert "2018-13-45 is not a calendar date" in logged
    assert "readme.txt: name is not YYYY-MM-DD-events.json" in logged
    assert tick(new_log_files, raw_source, cursor)[0] == []
    assert "Skipping" not in capfd.readouterr().err  # reported once, not on every tick


def test_new_or_rewritten_song_files_refresh_the_catalogue(raw_source):
    requests, cursor = tick(new_song_files, raw_source, None)
    assert requests == []  # nothing there yet
    for i in range(3):
        raw_source.put(f"song_data/A/B/C/TRABC{i:013d}.json", b'{"song_id": "x"}')
    requests, cursor = tick(new_song_files, raw_source, cursor)
    assert len(requests) == 1 and new_song_files.job_name == song_catalogue_job.name
    assert tick(new_song_files, raw_source, cursor)[0] == []
    raw_source.put("song_data/A/B/D/TRABD0000000000001.json", b'{"song_id": "y"}')
    requests, cursor = tick(new_song_files, raw_source, cursor)
    assert len(requests) == 1
    time.sleep(1.1)
    raw_source.put("song_data/A/B/C/TRABC0000000000000.json", b'{"song_id": "x"}')
    requests, cursor = tick(new_song_files, raw_source, cursor)
    assert len(requests) == 1
    assert tick(new_song_files, raw_source, cursor)[0] == []


def test_a_local_file_moved_in_with_an_old_mtime_is_still_seen(tmp_path):
    root = tmp_path / "raw"
    source = RawSource(
        "local",
        str(root),
        None,
        None,
        {
            "lake": LakeResource(source_root=str(root), lake_root=str(tmp_path / "lake")),
            "s3": S3Resource(),
        },
    )
    path = root / day_key("2018-11-07")
    path.parent.mkdir(parents=True)
    path.write_text("{}\n")
    _, cursor = tick(new_log_files, source, None)
    old = root / day_key("2018-11-06")
    old.write_text("{}\n")
    os.utime(old, (1_500_000_000, 1_500_000_000))  # as `mv` or `cp -p` keep an old mtime
    requests, _ = tick(new_log_files, source, cursor)
    assert [r.partition_key for r in requests] == ["2018-11-06"]
