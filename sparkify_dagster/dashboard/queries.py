"""Every query of the dashboard: a connection to the warehouse's read copy and the filters in,
a pandas DataFrame out. Only the marts and production models are read (never the lake's raw
events), so a page costs the same on a day of a thousand events as on one of a million.

The read copy is opened read-only (`open_read_copy`): a build publishes a new copy by an atomic
rename, so an open connection keeps reading the file it opened, one consistent snapshot, and
the next page load opens the new one.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

LEVELS: tuple[str, ...] = ("free", "paid")
# The models the dashboard reads: a read copy without them was not built by this project.
REQUIRED_MODELS = (
    "dim_datetime",
    "daily_sessions",
    "daily_active_users",
    "daily_plays_by_hour",
)


class WarehouseNotReady(RuntimeError):
    """No data to show; the message says why in words, for the page."""


@dataclass(frozen=True)
class Filters:
    """The days shown (both included) and the levels counted where a figure has a level."""

    start: date
    end: date
    levels: tuple[str, ...] = LEVELS

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"the range starts ({self.start}) after it ends ({self.end})")
        if not set(self.levels) <= set(LEVELS):
            raise ValueError(f"levels are {', '.join(LEVELS)}, not {', '.join(self.levels)}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def params(self) -> dict:
        return {"start": self.start, "end": self.end, "levels": list(self.levels)}


def open_read_copy(read_copy: Path | None) -> duckdb.DuckDBPyConnection:
    """The read copy, read-only; WarehouseNotReady when there is none or it lacks the marts."""
    if read_copy is None:
        raise WarehouseNotReady(
            "This lake has no local warehouse (an s3:// lake's is built by dbt-athena or "
            "dbt-spark): there is nothing here for the dashboard to read."
        )
    if not read_copy.is_file():
        raise WarehouseNotReady(
            f"The warehouse has not been built yet: no read copy at {read_copy}. Run "
            "`sparkify run` (or materialize the warehouse in Dagster) and reload this page."
        )
    try:
        con = duckdb.connect(str(read_copy), read_only=True)
    except duckdb.Error as error:
        raise WarehouseNotReady(f"The warehouse at {read_copy} cannot be opened: {error}") from None
    con.execute("SET TimeZone = 'UTC'")  # the marts' days and hours are UTC
    # The dashboard reads this file only: no other file, URL or extension, whatever a query says.
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    present = set(_relations(con))
    missing = [m for m in REQUIRED_MODELS if m not in present]
    if missing:
        con.close()
        raise WarehouseNotReady(
            f"The warehouse at {read_copy} has no {', '.join(missing)}: it was built by another "
            "version of the project. Run the warehouse again (`sparkify dbt build`)."
        )
    return con


def _relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    ]


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(sql, params or {}).df()


# --- freshness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """What the read copy holds: the days built, the days with events, when it was published."""

    published_at: datetime
    days_built: list[date] = field(default_factory=list)
    days_with_events: list[date] = field(default_factory=list)

    @property
    def first_day(self) -> date | None:
        return self.days_built[0] if self.days_built else None

    @property
    def latest_day(self) -> date | None:
        return self.days_built[-1] if self.days_built else None

    @property
    def missing_days(self) -> list[date]:
        """Days between the first and the latest built that no run built."""
        if not self.days_built:
            return []
        built = set(self.days_built)
        span = (self.days_built[-1] - self.days_built[0]).days
        return [
            day
            for day in (self.days_built[0] + timedelta(days=i) for i in range(span + 1))
            if day not in built
        ]

    @property
    def empty_days(self) -> list[date]:
        """Days built without a single event (no log file, or an empty one)."""
        with_events = set(self.days_with_events)
        return [day for day in self.days_built if day not in with_events]

    def days_behind(self, today: date) -> int | None:
        """Days between the latest day built and yesterday (0: yesterday is in)."""
        if self.latest_day is None:
            return None
        return max((today - timedelta(days=1) - self.latest_day).days, 0)


def freshness(con: duckdb.DuckDBPyConnection, read_copy: Path) -> Freshness:
    """Days built come from dim_datetime (24 hours for every day a run built, events or not);
    a run's build publishes the copy only when every model and test passed, so its mtime is
    when the last build that passed finished."""
    published = datetime.fromtimestamp(read_copy.stat().st_mtime, tz=UTC)
    built = [
        r[0]
        for r in con.execute("SELECT DISTINCT event_date FROM dim_datetime ORDER BY 1").fetchall()
    ]
    with_events = [
        r[0]
        for r in con.execute(
            "SELECT event_date FROM daily_sessions WHERE events > 0 ORDER BY 1"
        ).fetchall()
    ]
    return Freshness(published, built, with_events)


# --- Overview ----------------------------------------------------------------------------------


def daily_kpis(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """One row per day of the range (every day, zero when nothing was loaded): plays and active
    users at the chosen levels; paid share (of all active users), new users, upgrades and
    cancellations, which have no level."""
    return _frame(
        con,
        """
        WITH days AS (
            SELECT CAST(d AS DATE) AS event_date
            FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP) + INTERVAL 1 DAY,
                       INTERVAL 1 DAY) AS t(d)
        ),
        plays AS (
            SELECT event_date,
                   sum(CASE WHEN list_contains($levels, 'paid') THEN paid_plays ELSE 0 END
                     + CASE WHEN list_contains($levels, 'free') THEN free_plays ELSE 0 END)
                     AS plays
            FROM daily_plays_by_hour
            WHERE event_date BETWEEN $start AND $end
            GROUP BY event_date
        ),
        active AS (
            SELECT event_date,
                   sum(active_users) FILTER (WHERE list_contains($levels, level)) AS active_users,
                   sum(active_users) FILTER (WHERE level = 'paid') AS paid_users,
                   sum(active_users) AS all_active_users
            FROM daily_active_users
            WHERE event_date BETWEEN $start AND $end
            GROUP BY event_date
        )
        SELECT days.event_date,
               coalesce(plays.plays, 0) AS plays,
               coalesce(active.active_users, 0) AS active_users,
               coalesce(active.paid_users, 0) * 1.0 / nullif(active.all_active_users, 0)
                 AS paid_share,
               coalesce(new_users.new_users, 0) AS new_users,
               coalesce(funnel.upgrades, 0) AS upgrades,
               coalesce(funnel.cancellations, 0) AS cancellations
        FROM days
        LEFT JOIN plays USING (event_date)
        LEFT JOIN active USING (event_date)
        LEFT JOIN daily_new_users AS new_users USING (event_date)
        LEFT JOIN daily_level_funnel AS funnel USING (event_date)
        ORDER BY days.event_date
        """,
        filters.params(),
    )


def range_totals(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, int]:
    """Plays and sessions over the whole range (distinct users cannot be summed over days)."""
    plays = con.execute(
        """
        SELECT coalesce(sum(CASE WHEN list_contains($levels, 'paid') THEN paid_plays ELSE 0 END
                          + CASE WHEN list_contains($levels, 'free') THEN free_plays ELSE 0 END),
                        0)
        FROM daily_plays_by_hour WHERE event_date BETWEEN $start AND $end
        """,
        filters.params(),
    ).fetchone()[0]
    sessions = con.execute(
        "SELECT coalesce(sum(sessions), 0) FROM daily_sessions "
        "WHERE event_date BETWEEN $start AND $end",
        {"start": filters.start, "end": filters.end},
    ).fetchone()[0]
    return {"plays": int(plays), "sessions": int(sessions)}


# --- Listening ---------------------------------------------------------------------------------


def plays_by_weekday_and_hour(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Plays at the chosen levels by ISO weekday (1 Monday … 7 Sunday) and hour (UTC), all 168
    cells, summed over the range."""
    return _frame(
        con,
        """
        SELECT day_of_week, min(day_name) AS day_name, hour,
               coalesce(sum(CASE WHEN list_contains($levels, 'paid') THEN paid_plays ELSE 0 END
                          + CASE WHEN list_contains($levels, 'free') THEN free_plays ELSE 0 END),
                        0) AS plays
        FROM daily_plays_by_hour
        WHERE event_date BETWEEN $start AND $end
        GROUP BY day_of_week, hour
        ORDER BY day_of_week, hour
        """,
        filters.params(),
    )


def top_songs(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """The most played songs of the range (all levels: the mart has none), ties by title."""
    return _frame(
        con,
        """
        SELECT song_title, artist_name, sum(plays) AS plays
        FROM daily_top_songs
        WHERE event_date BETWEEN $start AND $end
        GROUP BY song_title, artist_name
        ORDER BY plays DESC, song_title, artist_name
        LIMIT $limit
        """,
        {"start": filters.start, "end": filters.end, "limit": limit},
    )


def top_artists(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """The most played artists of the range (all levels), ties by name."""
    return _frame(
        con,
        """
        SELECT artist_name, sum(plays) AS plays
        FROM daily_top_artists
        WHERE event_date BETWEEN $start AND $end
        GROUP BY artist_name
        ORDER BY plays DESC, artist_name
        LIMIT $limit
        """,
        {"start": filters.start, "end": filters.end, "limit": limit},
    )


def session_lengths(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Each day's sessions, mean and median length (minutes) and plays per session."""
    return _frame(
        con,
        """
        SELECT event_date, sessions, average_minutes, median_minutes, longest_minutes,
               average_plays
        FROM daily_sessions
        WHERE event_date BETWEEN $start AND $end
        ORDER BY event_date
        """,
        {"start": filters.start, "end": filters.end},
    )


# --- Users -------------------------------------------------------------------------------------


def level_mix(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Active users per day and level (each at the level of their last event of the day)."""
    return _frame(
        con,
        """
        SELECT event_date, level, active_users
        FROM daily_active_users
        WHERE event_date BETWEEN $start AND $end AND list_contains($levels, level)
        ORDER BY event_date, level
        """,
        filters.params(),
    )


FUNNEL_STAGES = (
    ("Active free users", "free_users"),
    ("Opened Upgrade", "upgrade_page_users"),
    ("Upgraded to paid", "upgraded_users"),
    ("Opened Cancel", "cancel_page_users"),
    ("Cancelled", "cancelled_users"),
)


def level_funnel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """The free → paid → cancelled funnel over the range, as user-days: each stage's daily
    distinct users summed over the days (a user in a stage on two days counts twice)."""
    row = con.execute(
        """
        SELECT
            (SELECT coalesce(sum(active_users), 0) FROM daily_active_users
             WHERE level = 'free' AND event_date BETWEEN $start AND $end) AS free_users,
            coalesce(sum(upgrade_page_users), 0), coalesce(sum(upgraded_users), 0),
            coalesce(sum(cancel_page_users), 0), coalesce(sum(cancelled_users), 0)
        FROM daily_level_funnel
        WHERE event_date BETWEEN $start AND $end
        """,
        {"start": filters.start, "end": filters.end},
    ).fetchone()
    return pd.DataFrame(
        {"stage": [label for label, _ in FUNNEL_STAGES], "user_days": [int(v) for v in row]}
    )


def cohorts(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Retention of the registration weeks that were active in the range: for each week since
    registration, the share of the cohort active in that week."""
    return _frame(
        con,
        """
        SELECT registration_week, weeks_since_registration, activity_week, active_users,
               cohort_users, active_users * 1.0 / cohort_users AS retention
        FROM weekly_cohorts
        WHERE registration_week IN (
            SELECT registration_week FROM weekly_cohorts
            WHERE activity_week BETWEEN date_trunc('week', CAST($start AS DATE)) AND $end
        )
        ORDER BY registration_week, weeks_since_registration
        """,
        {"start": filters.start, "end": filters.end},
    )


# --- Geography ---------------------------------------------------------------------------------


def plays_by_location(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Plays of the range at the chosen levels by location (`City, ST`), with coordinates."""
    return _frame(
        con,
        """
        SELECT coalesce(location, '(unknown)') AS location, city, state,
               min(latitude) AS latitude, min(longitude) AS longitude,
               min(coordinates_from) AS coordinates_from, sum(plays) AS plays
        FROM daily_plays_by_location
        WHERE event_date BETWEEN $start AND $end AND list_contains($levels, level)
        GROUP BY location, city, state
        ORDER BY plays DESC, location
        """,
        filters.params(),
    )


def plays_by_state(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Plays of the range at the chosen levels by state as logged (`NY-NJ-PA` is one), placed at
    the centre of its first state."""
    return _frame(
        con,
        """
        SELECT coalesce(state, '(unknown)') AS state, sum(plays) AS plays,
               count(DISTINCT location) AS locations,
               avg(latitude) AS latitude, avg(longitude) AS longitude
        FROM daily_plays_by_location
        WHERE event_date BETWEEN $start AND $end AND list_contains($levels, level)
        GROUP BY state
        ORDER BY plays DESC, state
        """,
        filters.params(),
    )


# --- Data quality ------------------------------------------------------------------------------


def quarantined_lines(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Quarantined log lines per day and reason."""
    return _frame(
        con,
        """
        SELECT event_date, reason, lines
        FROM daily_quarantined_lines
        WHERE event_date BETWEEN $start AND $end
        ORDER BY event_date, reason
        """,
        {"start": filters.start, "end": filters.end},
    )


def quarantine_shares(
    con: duckdb.DuckDBPyConnection, filters: Filters, threshold: float
) -> pd.DataFrame:
    """Each day's lines (events + quarantined) and quarantined share against `threshold`: the
    platform's `quarantine_share_below_threshold` check, day by day, from the marts."""
    return _frame(
        con,
        """
        WITH quarantined AS (
            SELECT event_date, sum(lines) AS quarantined
            FROM daily_quarantined_lines
            WHERE event_date BETWEEN $start AND $end
            GROUP BY event_date
        ),
        events AS (
            SELECT event_date, events FROM daily_sessions
            WHERE event_date BETWEEN $start AND $end
        )
        SELECT event_date,
               coalesce(events.events, 0) + coalesce(quarantined.quarantined, 0) AS lines,
               coalesce(quarantined.quarantined, 0) AS quarantined,
               coalesce(quarantined.quarantined, 0) * 1.0
                 / nullif(coalesce(events.events, 0) + coalesce(quarantined.quarantined, 0), 0)
                 AS share,
               coalesce(coalesce(quarantined.quarantined, 0) * 1.0
                 / nullif(coalesce(events.events, 0) + coalesce(quarantined.quarantined, 0), 0)
                 <= $threshold, true) AS within_threshold
        FROM events
        FULL OUTER JOIN quarantined USING (event_date)
        ORDER BY event_date
        """,
        {"start": filters.start, "end": filters.end, "threshold": threshold},
    )


def catalogue_matches(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Plays per day and the share matched to a catalogue song."""
    return _frame(
        con,
        """
        SELECT event_date, plays, matched_plays, matched_share
        FROM daily_catalogue_matches
        WHERE event_date BETWEEN $start AND $end
        ORDER BY event_date
        """,
        {"start": filters.start, "end": filters.end},
    )
