"""Raw log lines → clean events and quarantine, on hand-made lines."""

import json
from datetime import UTC, date, datetime

import pytest
from pyspark.sql import functions as F

from sparkify_dagster.schemas import LOG_LINES
from sparkify_dagster.transforms import events as T
from sparkify_dagster.transforms.text import repair_double_encoded_utf8

SUNDAY = datetime(2018, 11, 4, 23, 59, 59, tzinfo=UTC)
SOURCE = "file:///lake/log_data/2018/11/2018-11-04-events.json"


def _event(**overrides) -> str:
    base = {
        "artist": None,
        "auth": "Logged In",
        "firstName": "Kaylee",
        "gender": "F",
        "itemInSession": 0,
        "lastName": "Summers",
        "length": None,
        "level": "free",
        "location": "Phoenix-Mesa-Scottsdale, AZ",
        "method": "GET",
        "page": "Home",
        "registration": 1540344794796.0,
        "sessionId": 139,
        "song": None,
        "status": 200,
        "ts": int(SUNDAY.timestamp() * 1000),
        "userAgent": '"Mozilla/5.0 (Windows NT 6.1)"',
        "userId": "8",
    }
    return json.dumps({**base, **overrides})


def _lines(spark, *lines: str):
    return spark.createDataFrame([(SOURCE, line, False) for line in lines], LOG_LINES)


def test_clean_events_are_typed_snake_case_and_utc(spark):
    events = T.clean_events(T.classify_log_lines(_lines(spark, _event()))).collect()

    (e,) = events
    assert e.user_id == 8 and e.session_id == 139 and e.item_in_session == 0
    assert e.ts.timestamp() == SUNDAY.timestamp()  # PySpark hands back naive local time
    assert (e.year, e.month, e.day, e.hour) == (2018, 11, 4, 23)
    assert e.day_of_week == 7 and e.is_weekend is True  # Sunday, ISO numbering
    assert e.user_agent == "Mozilla/5.0 (Windows NT 6.1)"
    assert (e.city, e.state) == ("Phoenix-Mesa-Scottsdale", "AZ")
    assert e.registration.year == 2018
    assert e.date == date(2018, 11, 4)


def test_logged_out_events_have_null_user_fields(spark):
    line = _event(userId="", firstName=None, lastName=None, gender=None, auth="Logged Out")
    (e,) = T.clean_events(T.classify_log_lines(_lines(spark, line))).collect()
    assert e.user_id is None and e.first_name is None


def test_monday_is_a_weekday(spark):
    monday_noon = int(datetime(2018, 11, 5, 12, tzinfo=UTC).timestamp() * 1000)
    source = SOURCE.replace("2018-11-04", "2018-11-05")
    df = spark.createDataFrame([(source, _event(ts=monday_noon), False)], LOG_LINES)
    (e,) = T.clean_events(T.classify_log_lines(df)).collect()
    assert (e.day_of_week, e.is_weekend) == (1, False)


def test_location_without_state_keeps_the_city(spark):
    (e,) = T.clean_events(
        T.classify_log_lines(_lines(spark, _event(location="Springfield")))
    ).collect()
    assert (e.city, e.state) == ("Springfield", None)


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("Beyonc\u00c3\u0083\u00c2\u00a9", "Beyoncé"),  # as in the sample: encoded twice
        ("Beyonc\u00c3\u00a9", "Beyoncé"),  # encoded once
        ("Beyoncé", "Beyoncé"),  # already right: left alone
        ("Sigur Rós", "Sigur Rós"),
        ("坂本龍一", "坂本龍一"),  # beyond Latin-1: never touched
        ("plain ascii", "plain ascii"),
        (None, None),
    ],
)
def test_double_encoded_utf8_is_repaired_and_correct_text_left_alone(spark, raw, repaired):
    df = spark.createDataFrame([(raw,)], "s string")
    assert df.select(repair_double_encoded_utf8(F.col("s"))).first()[0] == repaired


def test_every_line_is_either_clean_or_quarantined(spark):
    lines = [_event(), "", "{broken", _event(sessionId="x"), _event(page="NextSong")]
    parsed = T.classify_log_lines(_lines(spark, *lines))
    clean = T.clean_events(parsed).count()
    reasons = sorted(r.reason for r in T.quarantined_lines(parsed).collect())
    assert clean == 1
    assert reasons == [
        "NextSong without song or artist",
        "blank line",
        "malformed JSON",
        "wrong type for sessionId",
    ]


def test_topic_tables(spark):
    lines = [
        _event(page="NextSong", song="S", artist="A", length=200.0, itemInSession=1),
        _event(page="Login", itemInSession=2),
        _event(page="Home", itemInSession=3),
    ]
    events = T.clean_events(T.classify_log_lines(_lines(spark, *lines)))
    assert T.listen_events(events).count() == 1
    assert T.page_view_events(events).count() == 3
    assert [r.page for r in T.auth_events(events).collect()] == ["Login"]


def test_a_session_in_another_time_zone_is_refused(spark):
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        with pytest.raises(ValueError, match="UTC"):
            T.classify_log_lines(_lines(spark, _event()))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
