"""Finding and reading the raw lake."""

import hashlib
import json
from datetime import date

from sparkify_dagster.query import connect
from sparkify_dagster.sources import read_song_records, split_json_objects
from sparkify_dagster_tests.conftest import SAMPLE, run_pipeline

SONG = {"song_id": "SONEW1", "artist_id": "ARNEW1", "title": "Nuevo", "duration": 200.5}


def test_song_files_in_any_json_shape_are_read_completely():
    pretty = json.dumps(SONG, indent=2)
    several = json.dumps(SONG) + "\n" + json.dumps(dict(SONG, song_id="SONEW2"))
    array = json.dumps([SONG, dict(SONG, song_id="SONEW3")])
    assert list(split_json_objects(pretty)) == [pretty]
    assert [json.loads(t)["song_id"] for t in split_json_objects(several)] == ["SONEW1", "SONEW2"]
    assert [json.loads(t)["song_id"] for t in split_json_objects(array)] == ["SONEW1", "SONEW3"]
    # What cannot be decoded is passed on whole, for the parser to quarantine.
    assert list(split_json_objects(json.dumps(SONG) + "{oops")) == [json.dumps(SONG), "{oops"]


def test_unreadable_song_files_are_rejected_with_a_reason(tmp_path):
    (tmp_path / "bad.json").write_bytes(b'{"title": "\xff"}')
    (tmp_path / "empty.json").write_text("  \n")
    (tmp_path / "good.json").write_text(json.dumps(SONG))
    read = read_song_records(sorted(str(p) for p in tmp_path.iterdir()))
    assert [r[2] for r in read.rejected] == ["invalid UTF-8", "empty file"]
    assert len(read.records) == 1


def test_catalogue_reads_every_song_and_quarantines_broken_files(sample_copy, tmp_path):
    folder = sample_copy / "song_data" / "A" / "A" / "A"
    (folder / "TRPRETTY.json").write_text(json.dumps(SONG, indent=4))
    (folder / "TRSEVERAL.json").write_text(
        json.dumps(dict(SONG, song_id="SONEW2")) + json.dumps(dict(SONG, song_id="SONEW3"))
    )
    (folder / "TRBROKEN.json").write_text('{"song_id": "SOBROKEN", "title": ')
    lake = tmp_path / "lake"

    result = run_pipeline(
        sample_copy,
        lake,
        date(2018, 11, 1),
        date(2018, 11, 1),
        selection=["songs", "artists", "quarantined_song_records"],
    )

    assert result.success
    db = connect(lake)
    assert db.execute("SELECT count(*) FROM songs").fetchone()[0] == 71 + 3
    assert db.execute("SELECT count(*) FROM artists").fetchone()[0] == 69 + 1
    quarantined = db.execute("SELECT source_file, reason FROM quarantined_song_records").fetchall()
    assert [(p.rsplit("/", 1)[1], r) for p, r in quarantined] == [
        ("TRBROKEN.json", "malformed JSON")
    ]
    check = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "every_record_accounted_for"
    )
    assert check.passed and check.metadata["records_read"].value == 71 + 4


def test_sample_is_untouched_by_the_tests():
    # Tests write to copies only; the checksum manifest of the shared sample still holds.
    for line in (SAMPLE / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        if not name.startswith(("log_data/", "song_data/")):
            continue  # the manifest also lists the original zips, not shipped here
        assert (
            hashlib.sha256((SAMPLE / name.strip().lstrip("*")).read_bytes()).hexdigest() == digest
        )
