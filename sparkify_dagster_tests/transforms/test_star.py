"""Clean events + catalogue → songplays, time, users."""

import json
from datetime import date, datetime

from pyspark.sql import types as T

from sparkify_dagster import tables
from sparkify_dagster.schemas import SONG_RECORDS
from sparkify_dagster.transforms import catalogue, star

LISTENS = T.StructType(
    [
        T.StructField("ts", T.TimestampType()),
        T.StructField("user_id", T.IntegerType()),
        T.StructField("level", T.StringType()),
        T.StructField("session_id", T.LongType()),
        T.StructField("item_in_session", T.IntegerType()),
        T.StructField("song", T.StringType()),
        T.StructField("artist", T.StringType()),
        T.StructField("length", T.DoubleType()),
        T.StructField("location", T.StringType()),
        T.StructField("user_agent", T.StringType()),
        T.StructField("date", T.DateType()),
    ]
)
AT = datetime(2018, 11, 21, 21, 56, 47)
DAY = date(2018, 11, 21)


def _listens(spark, *plays):
    rows = [
        (AT, 15, "paid", 818, i, song, artist, length, "Chicago, IL", "Mozilla", DAY)
        for i, (song, artist, length) in enumerate(plays)
    ]
    return spark.createDataFrame(rows, LISTENS)


def _match_keys(spark, songs):
    rows = [(title, "Elena", duration, sid, aid) for sid, title, aid, duration in songs]
    return spark.createDataFrame(rows, tables.SONG_MATCH_KEYS.columns)


def test_plays_match_on_title_artist_and_duration_within_tolerance(spark):
    keys = _match_keys(spark, [("SO1", "Setanta matins", "AR1", 269.58322)])
    listens = _listens(
        spark,
        ("Setanta matins", "Elena", 269.6),  # within 0.5 s
        ("Setanta matins", "Elena", 275.0),  # another version
        ("Setanta matins", "Someone else", 269.58322),
        (None, None, None),
    )
    plays = star.build_songplays(listens, keys).orderBy("session_id").collect()
    assert len(plays) == 4
    assert sorted(p.song_id or "-" for p in plays) == ["-", "-", "-", "SO1"]
    assert plays[0].artist_id in ("AR1", None)


def test_several_catalogue_matches_never_duplicate_a_play(spark):
    keys = _match_keys(
        spark,
        [
            ("SO2", "Intro", "AR1", 100.2),
            ("SO1", "Intro", "AR1", 100.1),
            ("SO3", "Intro", "AR1", 100.1),
        ],
    )
    plays = star.build_songplays(_listens(spark, ("Intro", "Elena", 100.1)), keys)
    (play,) = plays.collect()
    assert play.song_id == "SO1"  # closest duration, then smallest id
    assert [c for c in plays.columns if c != "date"] == tables.SONGPLAYS.column_names


def _song_file(song_id, title, artist_name, duration, **artist):
    return json.dumps(
        {"song_id": song_id, "title": title, "artist_id": "ARJAY", "artist_name": artist_name}
        | {"duration": duration, "year": 2000, **artist}
    )


def test_a_play_matches_its_song_under_any_spelling_the_artist_carries(spark):
    records = [
        _song_file("SO1", "Izzo", "Jay-Z", 240.0),
        # The more complete record: the artists row takes its spelling.
        _song_file("SO2", "Otro", "Jay Z", 200.0, artist_location="Brooklyn"),
    ]
    parsed = catalogue.parse_song_records(
        spark.createDataFrame([(f"TR{i}.json", r) for i, r in enumerate(records)], SONG_RECORDS)
    )
    assert [a.name for a in catalogue.build_artists(parsed).collect()] == ["Jay Z"]
    listens = _listens(
        spark,
        ("Izzo", "Jay-Z", 240.1),  # spelt as the song's own file
        ("Izzo", "Jay Z", 240.1),  # as the artist's other file
        ("Izzo", "Jay Z.", 240.1),  # a spelling no file has
    )

    plays = star.build_songplays(listens, catalogue.build_song_match_keys(parsed))

    assert sorted((p.song_id or "-", p.artist_id or "-") for p in plays.collect()) == [
        ("-", "-"),
        ("SO1", "ARJAY"),
        ("SO1", "ARJAY"),
    ]


def test_songplay_ids_are_stable_and_distinct(spark):
    listens = _listens(spark, ("A", "B", 1.0), ("A", "B", 1.0))
    keys = _match_keys(spark, [("SO1", "x", "AR1", 1.0)])
    first = [p.songplay_id for p in star.build_songplays(listens, keys).collect()]
    again = [p.songplay_id for p in star.build_songplays(listens, keys).collect()]
    assert sorted(first) == sorted(again) and len(set(first)) == 2


def test_time_rows_are_distinct_timestamps_with_iso_weekday(spark):
    listens = _listens(spark, ("A", "B", 1.0), ("C", "D", 2.0))  # same ts twice
    (row,) = star.build_time(listens).collect()
    assert [c for c in star.build_time(listens).columns if c != "date"] == tables.TIME.column_names
    assert (row.hour, row.day, row.week, row.month, row.year, row.weekday) == (
        21,
        21,
        47,
        11,
        2018,
        3,  # Wednesday
    )


def _state(spark, *rows):
    return spark.createDataFrame(
        [(uid, "Lily", "Koch", "F", level, ts, 1, 0) for uid, level, ts in rows],
        tables.USER_STATE.columns,
    )


def test_user_state_merges_keep_the_newest_level_in_any_order(spark):
    early = _state(spark, (15, "free", datetime(2018, 11, 2)))
    late = _state(spark, (15, "paid", datetime(2018, 11, 21)), (16, "free", datetime(2018, 11, 3)))
    one_way = star.merge_user_state(early, late).orderBy("user_id").collect()
    other_way = star.merge_user_state(late, early).orderBy("user_id").collect()
    assert one_way == other_way
    assert [(u.user_id, u.level) for u in one_way] == [(15, "paid"), (16, "free")]
    assert star.merge_user_state(star.merge_user_state(late, early), early).count() == 2
