"""Every table the platform writes: where it lives in the lake and how its rows are ordered.

One registry, read by the assets (where to write), the CLI (what to summarise) and the query
command (which views to create), so a table's name and place are defined once.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    zone: str  # clean | star | quarantine | state
    directory: str
    # Daily tables are stored as <zone>/<directory>/date=YYYY-MM-DD/part-*.parquet.
    daily: bool
    # The table's key: rows are written in this order (ties by their other values), so
    # identical inputs give identical tables.
    sort_by: tuple[str, ...]
    # The daily table each day of this one is computed from: a day here without that day
    # there means the lake's zones disagree (a lost or deleted partition).
    derived_from: "Table | None" = None

    @property
    def relative_path(self) -> str:
        return f"{self.zone}/{self.directory}"


_EVENT_ORDER = ("ts", "session_id", "item_in_session")

LOG_EVENTS = Table("log_events", "clean", "log_events", True, _EVENT_ORDER)
LISTEN_EVENTS = Table(
    "listen_events", "clean", "listen_events", True, _EVENT_ORDER, derived_from=LOG_EVENTS
)
PAGE_VIEW_EVENTS = Table(
    "page_view_events", "clean", "page_view_events", True, _EVENT_ORDER, derived_from=LOG_EVENTS
)
AUTH_EVENTS = Table(
    "auth_events", "clean", "auth_events", True, _EVENT_ORDER, derived_from=LOG_EVENTS
)
QUARANTINED_LOG_LINES = Table(
    "quarantined_log_lines",
    "quarantine",
    "log_lines",
    True,
    ("source_file", "line", "reason", "raw_bytes"),
)
SONGS = Table("songs", "star", "songs", False, ("song_id",))
ARTISTS = Table("artists", "star", "artists", False, ("artist_id",))
QUARANTINED_SONG_RECORDS = Table(
    "quarantined_song_records",
    "quarantine",
    "song_records",
    False,
    ("source_file", "record", "reason"),
)
TIME = Table("time", "star", "time", True, ("start_time",), derived_from=LISTEN_EVENTS)
SONGPLAYS = Table(
    "songplays",
    "star",
    "songplays",
    True,
    ("start_time", "songplay_id"),
    derived_from=LISTEN_EVENTS,
)
USERS = Table("users", "star", "users", False, ("user_id",))
USER_STATE = Table("user_state", "state", "users", False, ("user_id",))
# Written by the song catalogue step with songs and artists, read by the songplays step.
SONG_MATCH_KEYS = Table(
    "song_match_keys", "state", "song_match_keys", False, ("song_id", "artist_name")
)

ALL_TABLES: tuple[Table, ...] = (
    SONGS,
    ARTISTS,
    QUARANTINED_SONG_RECORDS,
    LOG_EVENTS,
    LISTEN_EVENTS,
    PAGE_VIEW_EVENTS,
    AUTH_EVENTS,
    QUARANTINED_LOG_LINES,
    TIME,
    SONGPLAYS,
    USERS,
    USER_STATE,
    SONG_MATCH_KEYS,
)
