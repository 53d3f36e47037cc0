"""Song records → songs and artists."""

import json

from sparkify_dagster import tables
from sparkify_dagster.schemas import SONG_RECORDS
from sparkify_dagster.transforms import catalogue as T


def _song(**overrides) -> str:
    base = {
        "num_songs": 1,
        "artist_id": "AR1",
        "artist_latitude": None,
        "artist_longitude": None,
        "artist_location": "",
        "artist_name": "Casual",
        "song_id": "SO1",
        "title": "I Didn't Mean To",
        "duration": 218.93179,
        "year": 0,
    }
    return json.dumps({**base, **overrides})


def _parsed(spark, *records):
    rows = [(f"song_data/A/A/A/TR{i}.json", r) for i, r in enumerate(records)]
    return T.parse_song_records(spark.createDataFrame(rows, SONG_RECORDS))


def test_unknown_year_and_empty_location_become_null(spark):
    parsed = _parsed(spark, _song())
    (song,) = T.build_songs(parsed).collect()
    (artist,) = T.build_artists(parsed).collect()
    assert song.year is None and song.duration == 218.93179
    assert artist.location is None and artist.name == "Casual"


def test_one_artist_with_differing_details_gets_one_deterministic_row(spark):
    records = [
        _song(song_id="SO1", artist_name="Elena", artist_location=""),
        _song(
            song_id="SO2", artist_name="Elena", artist_location="Barcelona", artist_latitude=41.4
        ),
        _song(song_id="SO3", artist_name="Elena M.", artist_location="Barcelona"),
    ]
    for ordering in (records, list(reversed(records))):
        artists = T.build_artists(_parsed(spark, *ordering)).collect()
        assert [(a.name, a.location, a.latitude) for a in artists] == [("Elena", "Barcelona", 41.4)]


def test_duplicate_song_ids_collapse_to_one_row(spark):
    songs = T.build_songs(_parsed(spark, _song(), _song(year=1999), _song())).collect()
    assert [(s.song_id, s.year) for s in songs] == [("SO1", 1999)]


def _reasons(parsed) -> list[tuple[str, str]]:
    rows = T.quarantined_song_records(parsed).collect()
    return sorted((r.source_file.rsplit("/", 1)[1], r.reason) for r in rows)


def test_a_conflicting_duplicate_song_id_is_quarantined_not_lost(spark):
    real = _song(song_id="SOX", title="Intro", duration=100.0)
    other = _song(song_id="SOX", title="Outro", duration=200.0)
    for ordering in ([real, other], [other, real]):
        parsed = _parsed(spark, *ordering)
        (song,) = T.build_songs(parsed).collect()
        assert (song.title, song.duration) == ("Intro", 100.0)  # the smallest values, any order
        loser = f"TR{ordering.index(other)}.json"
        assert _reasons(parsed) == [(loser, "duplicate song_id SOX: another record was kept")]


def test_an_exact_duplicate_record_is_quarantined_as_the_same_song(spark):
    parsed = _parsed(spark, _song(), _song(), _song(title="Zed"))
    assert T.build_songs(parsed).count() == 1
    # Records read (3) = songs rows (1) + quarantined (2); of two copies, the later file loses.
    assert _reasons(parsed) == [
        ("TR1.json", "duplicate song_id SO1: the same song was kept"),
        ("TR2.json", "duplicate song_id SO1: another record was kept"),
    ]


def test_match_keys_hold_each_song_under_every_spelling_of_its_artist(spark):
    parsed = _parsed(
        spark,
        _song(song_id="SO1", title="Tu", artist_name="Jay-Z feat. Beyonce"),
        _song(song_id="SO2", title="Nosotros", artist_name="Jay-Z & Beyonce"),
        _song(song_id="SO3", title="Ellos", artist_id="AR2", artist_name="Otro"),
        _song(song_id="SO4", title="Roto", artist_name="Nadie", duration="long"),  # unusable
    )
    keys = T.build_song_match_keys(parsed).collect()
    assert sorted((k.song_id, k.artist_name) for k in keys) == [
        ("SO1", "Jay-Z & Beyonce"),
        ("SO1", "Jay-Z feat. Beyonce"),
        ("SO2", "Jay-Z & Beyonce"),
        ("SO2", "Jay-Z feat. Beyonce"),
        ("SO3", "Otro"),
    ]
    assert T.build_song_match_keys(parsed).columns == tables.SONG_MATCH_KEYS.column_names


def test_unusable_records_are_quarantined_with_reasons(spark):
    parsed = _parsed(spark, _song(), "{not json", _song(song_id=""), _song(duration="long"))
    reasons = sorted(r.reason for r in T.quarantined_song_records(parsed).collect())
    assert reasons == ["malformed JSON", "missing song_id", "wrong type for duration"]
    assert T.build_songs(parsed).count() == 1
