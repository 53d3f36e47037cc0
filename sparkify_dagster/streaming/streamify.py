"""Streamify's messages, stated once: its three topics and the mapping from an app event.

Streamify (the second design this platform honours) sends one JSON object per event:
`page_view_events` carries every page, `listen_events` the NextSong plays and `auth_events` the
event after each Login (`success`: the user is then logged in). Against Sparkify's log lines:
`city`/`zip`/`state`/`lon`/`lat` instead of `location` (`location` is `city + ", " + state`),
`duration` instead of `length`, `userId` a number, the user agent in literal quotes. Fields that
do not apply are absent, as eventsim writes them: no song fields outside NextSong, no user fields
for a signed-out event. Messages are keyed by the user id (a signed-out event: by its session),
so one user's events stay in order in one partition; their Kafka timestamp is the event's time.

The generator writes through `messages`; the clean step will read the fields back with
`split_location`'s inverse, `join_location`. Pure Python: settings.py and EMR nodes import it.
"""

import json
from dataclasses import dataclass

LISTEN_EVENTS = "listen_events"
PAGE_VIEW_EVENTS = "page_view_events"
AUTH_EVENTS = "auth_events"
TOPICS = (LISTEN_EVENTS, PAGE_VIEW_EVENTS, AUTH_EVENTS)

NEXT_SONG = "NextSong"
LOGIN = "Login"
LOGGED_IN = "Logged In"
# The separator between city and state(s) in Sparkify's `location` ("Tampa-St. Petersburg, FL").
LOCATION_SEPARATOR = ", "


@dataclass(frozen=True)
class User:
    """The user fields of a signed-in event (fixed per user)."""

    user_id: int
    first_name: str
    last_name: str
    gender: str
    registration_ms: int
    location: str  # Sparkify's "City, ST"
    zip: str  # zero-padded, a string (Streamify's int parse lost the zeros: anchors.md)
    lat: float
    lon: float
    user_agent: str  # without the quotes the app adds


@dataclass(frozen=True)
class AppEvent:
    """One event of the app, as the generator (and Sparkify's logs) know it."""

    ts_ms: int
    session_id: int
    item_in_session: int
    page: str
    auth: str
    method: str
    status: int
    level: str
    user: User | None = None  # None: signed out
    artist: str | None = None  # the song's fields: NextSong only
    song: str | None = None
    length: float | None = None


@dataclass(frozen=True)
class Message:
    topic: str
    key: bytes
    value: bytes
    timestamp_ms: int


def split_location(location: str) -> tuple[str, str]:
    """Sparkify's `location` → Streamify's (city, state): split at the last ", "."""
    city, separator, state = location.rpartition(LOCATION_SEPARATOR)
    return (city, state) if separator else (location, "")


def join_location(city: str, state: str) -> str:
    """Streamify's (city, state) → Sparkify's `location`; split_location's inverse."""
    return f"{city}{LOCATION_SEPARATOR}{state}" if state else city


def _where(user: User) -> dict:
    city, state = split_location(user.location)
    return {
        "city": city,
        "zip": user.zip,
        "state": state,
        "userAgent": f'"{user.user_agent}"',
        "lon": user.lon,
        "lat": user.lat,
    }


def _who(user: User) -> dict:
    return {
        "userId": user.user_id,
        "lastName": user.last_name,
        "firstName": user.first_name,
        "gender": user.gender,
        "registration": user.registration_ms,
    }


def _user_fields(event: AppEvent) -> dict:
    return {**_where(event.user), **_who(event.user)} if event.user else {}


def _song_fields(event: AppEvent) -> dict:
    if event.page != NEXT_SONG:
        return {}
    return {"artist": event.artist, "song": event.song, "duration": event.length}


def page_view_fields(event: AppEvent) -> dict:
    """The page_view_events object, in Streamify's field order."""
    return {
        "ts": event.ts_ms,
        "sessionId": event.session_id,
        "page": event.page,
        "auth": event.auth,
        "method": event.method,
        "status": event.status,
        "level": event.level,
        "itemInSession": event.item_in_session,
        **_user_fields(event),
        **_song_fields(event),
    }


def listen_fields(event: AppEvent) -> dict:
    """The listen_events object (a NextSong event)."""
    return {
        **_song_fields(event),
        "ts": event.ts_ms,
        "sessionId": event.session_id,
        "auth": event.auth,
        "level": event.level,
        "itemInSession": event.item_in_session,
        **_user_fields(event),
    }


def auth_fields(event: AppEvent) -> dict:
    """The auth_events object (the event after a Login)."""
    return {
        "ts": event.ts_ms,
        "sessionId": event.session_id,
        "level": event.level,
        "itemInSession": event.item_in_session,
        **_user_fields(event),
        "success": event.auth == LOGGED_IN,
    }


def message_key(event: AppEvent) -> bytes:
    return str(event.user.user_id if event.user else f"session-{event.session_id}").encode()


def _encode(fields: dict) -> bytes:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def messages(event: AppEvent, after_login: bool) -> list[Message]:
    """The messages of one event: page_view_events always, listen_events for a play,
    auth_events when the session's previous event was a Login (`after_login`)."""
    key, ts = message_key(event), event.ts_ms
    out = [Message(PAGE_VIEW_EVENTS, key, _encode(page_view_fields(event)), ts)]
    if event.page == NEXT_SONG:
        out.append(Message(LISTEN_EVENTS, key, _encode(listen_fields(event)), ts))
    if after_login:
        out.append(Message(AUTH_EVENTS, key, _encode(auth_fields(event)), ts))
    return out
