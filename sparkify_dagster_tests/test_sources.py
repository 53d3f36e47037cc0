"""Finding and reading the raw lake."""

import hashlib
import json
from datetime import date

from sparkify_dagster import sources
from sparkify_dagster.query import connect
from sparkify_dagster.sources import read_song_records, split_json_objects
from sparkify_dagster.steps.catalogue import EVERY_RECORD_ACCOUNTED_FOR
from sparkify_dagster_tests.helpers import SAMPLE, run_pipeline

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


def test_song_files_that_cannot_be_read_are_rejected_and_the_others_read(tmp_path, monkeypatch):
    (tmp_path / "a_good.json").write_text(json.dumps(SONG))
    (tmp_path / "b_dangling.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "c_loop.json").symlink_to(tmp_path / "c_loop.json")
    (tmp_path / "d_locked.json").write_text(json.dumps(SONG))
    (tmp_path / "e_good.json").write_text(json.dumps(dict(SONG, song_id="SONEW2")))

    def no_permission(path, *args, **kwargs):  # root reads any file: simulate a locked one
        if path.endswith("d_locked.json"):
            raise PermissionError(13, "Permission denied", path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(sources, "open", no_permission, raising=False)
    read = read_song_records(sorted(str(p) for p in tmp_path.iterdir()))

    assert [json.loads(r)["song_id"] for _, r in read.records] == ["SONEW1", "SONEW2"]
    assert [(p.rsplit("/", 1)[1], content, reason) for p, content, reason in read.rejected] == [
        ("b_dangling.json", None, "unreadable: [Errno 2] No such file or directory"),
        ("c_loop.json", None, "unreadable: [Errno 40] Too many levels of symbolic links"),
        ("d_locked.json", None, "unreadable: [Errno 13] Permission denied"),
    ]


def test_song_uris_gone_by_the_time_they_are_read_are_rejected(spark, tmp_path):
    (tmp_path / "good.json").write_text(json.dumps(SONG))
    (tmp_path / "loop.json").symlink_to(tmp_path / "loop.json")
    uris = [f"file:{tmp_path}/{name}" for name in ("deleted.json", "good.json", "loop.json")]

    read = read_song_records(uris, session=spark)

    assert [r for _, r in read.records] == [json.dumps(SONG)]
    assert [(p, reason) for p, _, reason in read.rejected] == [
        (uris[0], "unreadable: not found when read"),
        (uris[2], "unreadable: not found when read"),
    ]


def test_catalogue_reads_every_song_and_quarantines_broken_and_duplicate_records(
    sample_copy, tmp_path
):
    folder = sample_copy / "song_data" / "A" / "A" / "A"
    (folder / "TRPRETTY.json").write_text(json.dumps(SONG, indent=4))
    (folder / "TRSEVERAL.json").write_text(
        json.dumps(dict(SONG, song_id="SONEW2")) + json.dumps(dict(SONG, song_id="SONEW3"))
    )
    (folder / "TRBROKEN.json").write_text('{"song_id": "SOBROKEN", "title": ')
    (folder / "TRDANGLING.json").symlink_to(folder / "TRGONE.json")
    (folder / "TRLOOP.json").symlink_to(folder / "TRLOOP.json")
    real = folder / "TRAAAAW128F429D538.json"
    (folder / "TRCOPY.json").write_bytes(real.read_bytes())
    conflicting = dict(json.loads(real.read_text()), title="I Didn't Mean To (live)", duration=1.0)
    (folder / "TRCONFLICT.json").write_text(json.dumps(conflicting))
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
    kept = db.execute("SELECT title, duration FROM songs WHERE song_id = 'SOMZWCG12A8C13C480'")
    assert kept.fetchall() == [("I Didn't Mean To", 218.93179)]
    quarantined = db.execute(
        "SELECT source_file, reason FROM quarantined_song_records ORDER BY source_file"
    ).fetchall()
    duplicate = "duplicate song_id SOMZWCG12A8C13C480"
    assert [(p.rsplit("/", 1)[1], r) for p, r in quarantined] == [
        ("TRBROKEN.json", "malformed JSON"),
        ("TRCONFLICT.json", f"{duplicate}: another record was kept"),
        ("TRCOPY.json", f"{duplicate}: the same song was kept"),
        ("TRDANGLING.json", "unreadable: [Errno 2] No such file or directory"),
        ("TRLOOP.json", "unreadable: [Errno 40] Too many levels of symbolic links"),
    ]
    check = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == EVERY_RECORD_ACCOUNTED_FOR.name
    )
    assert check.passed and check.metadata["records_read"].value == 71 + 4 + 4
    assert check.metadata["songs"].value + check.metadata["quarantined_records"].value == 79


def test_sample_is_untouched_by_the_tests():
    # Tests write to copies only; the checksum manifest of the shared sample still holds.
    for line in (SAMPLE / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        if not name.startswith(("log_data/", "song_data/")):
            continue  # the manifest also lists the original zips, not shipped here
        assert (
            hashlib.sha256((SAMPLE / name.strip().lstrip("*")).read_bytes()).hexdigest() == digest
        )
