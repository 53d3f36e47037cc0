"""Streamify's message format: which topics an event goes to, with which fields."""

import json

import pytest

from sparkify_dagster.streaming.streamify import (
    AUTH_EVENTS,
    LISTEN_EVENTS,
    PAGE_VIEW_EVENTS,
    AppEvent,
    User,
    join_location,
    messages,
    split_location,
)
from sparkify_generator import model

# Streamify's Spark schemas (spark_streaming/schema.py): the fields each topic's objects have.
_WHERE_AND_WHO = {
    "city", "zip", "state", "userAgent", "lon", "lat",
    "userId", "lastName", "firstName", "gender", "registration",
}  # fmt: skip
PAGE_VIEW_FIELDS = {
    "ts", "sessionId", "page", "auth", "method", "status", "level", "itemInSession",
    *_WHERE_AND_WHO, "artist", "song", "duration",
}  # fmt: skip
LISTEN_FIELDS = {
    "artist", "song", "duration", "ts", "sessionId", "auth", "level", "itemInSession",
    *_WHERE_AND_WHO,
}  # fmt: skip
AUTH_FIELDS = {"ts", "sessionId", "level", "itemInSession", *_WHERE_AND_WHO, "success"}

USER = User(
    user_id=432506,
    first_name="Noëlle",
    last_name="Perez",
    gender="F",
    registration_ms=1495975266000,
    location="Tampa-St. Petersburg-Clearwater, FL",
    zip="03637",
    lat=28.045334,
    lon=-82.361113,
    user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) Safari/537.78.2",
)
PLAY = AppEvent(
    ts_ms=1653763440000,
    session_id=432505,
    item_in_session=3,
    page="NextSong",
    auth="Logged In",
    method="PUT",
    status=200,
    level="free",
    user=USER,
    artist="Joanna Connor",
    song="Playing In The Dirt",
    length=238.39302,
)


def _by_topic(event: AppEvent, after_login: bool = False) -> dict[str, dict]:
    sent = messages(event, after_login)
    assert len({m.topic for m in sent}) == len(sent)
    return {m.topic: json.loads(m.value) for m in sent}


def test_a_play_goes_to_page_views_and_listens_with_streamify_fields():
    sent = _by_topic(PLAY)
    assert set(sent) == {PAGE_VIEW_EVENTS, LISTEN_EVENTS}
    assert set(sent[PAGE_VIEW_EVENTS]) == PAGE_VIEW_FIELDS
    assert set(sent[LISTEN_EVENTS]) == LISTEN_FIELDS
    listen = sent[LISTEN_EVENTS]
    assert (listen["city"], listen["state"]) == ("Tampa-St. Petersburg-Clearwater", "FL")
    assert listen["duration"] == 238.39302 and listen["userId"] == 432506
    assert listen["zip"] == "03637"  # a string: the zero stays (anchors.md)
    assert listen["userAgent"] == f'"{USER.user_agent}"'
    assert listen["firstName"] == "Noëlle"  # plain UTF-8, unlike the logs' double encoding


def test_messages_are_keyed_by_user_and_stamped_with_the_events_time():
    assert {(m.key, m.timestamp_ms) for m in messages(PLAY, False)} == {(b"432506", 1653763440000)}


def test_a_signed_out_page_has_no_user_or_song_fields_and_is_keyed_by_its_session():
    home = AppEvent(1653763440000, 77, 0, "Home", "Logged Out", "GET", 200, "free")
    (sent,) = messages(home, after_login=False)
    assert sent.topic == PAGE_VIEW_EVENTS and sent.key == b"session-77"
    assert set(json.loads(sent.value)) == {
        "ts", "sessionId", "page", "auth", "method", "status", "level", "itemInSession",
    }  # fmt: skip


@pytest.mark.parametrize(("auth", "success"), [("Logged In", True), ("Logged Out", False)])
def test_the_event_after_a_login_is_an_auth_event_saying_whether_it_succeeded(auth, success):
    user = USER if success else None
    after = AppEvent(1653763441000, 77, 1, "Home", auth, "GET", 200, "free", user=user)
    sent = _by_topic(after, after_login=True)
    assert set(sent) == {PAGE_VIEW_EVENTS, AUTH_EVENTS}
    assert sent[AUTH_EVENTS]["success"] is success
    expected = AUTH_FIELDS if success else AUTH_FIELDS - _WHERE_AND_WHO
    assert set(sent[AUTH_EVENTS]) == expected


def test_every_generated_location_splits_into_city_and_state_and_joins_back():
    for location, _weight in model.LOCATIONS:
        city, state = split_location(location)
        assert city and state and ", " not in state
        assert join_location(city, state) == location
