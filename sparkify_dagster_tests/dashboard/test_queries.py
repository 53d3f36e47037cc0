"""The dashboard's queries on the sample month's warehouse, each checked against SQL of its own on
the lake's tables (sparkify query's views): the figures a page shows are the platform's."""

from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from sparkify_dagster.dashboard import queries as q
from sparkify_dagster.query import connect
from sparkify_dagster_tests.dashboard.helpers import SAMPLE_PLAYS
from sparkify_dagster_tests.helpers import SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY

MONTH = q.Filters(SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY)


@pytest.fixture(scope="module")
def warehouse(sample_read_copy):
    con = q.open_read_copy(sample_read_copy)
    yield con
    con.close()


@pytest.fixture(scope="module")
def lake(sample_run):
    con = connect(sample_run[0])
    yield con
    con.close()


def by_day(frame):
    """`frame` indexed by its event_date as dates (DuckDB's DATE arrives as a timestamp)."""
    return frame.set_index(frame["event_date"].dt.date)


def rows(con, sql: str) -> dict:
    return {r[0]: r[1:] if len(r) > 2 else r[1] for r in con.execute(sql).fetchall()}


def test_the_months_plays_are_the_published_6820_at_both_levels_and_split_by_level(warehouse, lake):
    assert q.range_totals(warehouse, MONTH)["plays"] == SAMPLE_PLAYS
    by_level = rows(lake, "SELECT level, count(*) FROM songplays GROUP BY level")
    for level, plays in by_level.items():
        only = q.Filters(SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY, (level,))
        assert q.range_totals(warehouse, only)["plays"] == plays
    assert sum(by_level.values()) == SAMPLE_PLAYS


def test_daily_figures_equal_the_lakes_events_day_by_day(warehouse, lake):
    kpis = by_day(q.daily_kpis(warehouse, MONTH))
    assert len(kpis) == 30
    plays = rows(lake, "SELECT date, count(*) FROM songplays GROUP BY date")
    users = rows(
        lake,
        """
        SELECT date, count(*), count(*) FILTER (WHERE level = 'paid')
        FROM (SELECT date, user_id,
                     arg_max(level, (ts, session_id, item_in_session)) AS level
              FROM log_events WHERE user_id IS NOT NULL GROUP BY date, user_id)
        GROUP BY date
        """,
    )
    pages = rows(
        lake,
        """
        SELECT date,
               count(*) FILTER (WHERE page = 'Submit Upgrade'),
               count(*) FILTER (WHERE page = 'Cancellation Confirmation'),
               count(DISTINCT user_id) FILTER (WHERE CAST(registration AS DATE) = date)
        FROM log_events GROUP BY date
        """,
    )
    for day, row in kpis.iterrows():
        active, paid = users[day]
        upgrades, cancellations, new_users = pages[day]
        assert row["plays"] == plays.get(day, 0), day
        assert row["active_users"] == active, day
        assert row["paid_share"] == pytest.approx(paid / active), day
        assert (row["upgrades"], row["cancellations"], row["new_users"]) == (
            upgrades,
            cancellations,
            new_users,
        ), day
    assert kpis["plays"].sum() == SAMPLE_PLAYS
    assert kpis["upgrades"].sum() > 0  # the sample has upgrades (and no cancellation)


def test_days_without_data_in_the_range_are_zero_rows_not_gaps(warehouse):
    later = q.Filters(SAMPLE_LAST_DAY - timedelta(days=1), SAMPLE_LAST_DAY + timedelta(days=2))
    kpis = q.daily_kpis(warehouse, later)
    assert len(kpis) == 4
    assert list(kpis["plays"][2:]) == [0, 0]
    assert kpis["plays"][0] > 0


def test_plays_by_weekday_and_hour_fill_the_week_and_equal_the_lakes(warehouse, lake):
    cells = q.plays_by_weekday_and_hour(warehouse, MONTH)
    assert len(cells) == 7 * 24
    expected = {
        (weekday, hour): plays
        for weekday, hour, plays in lake.execute(
            "SELECT isodow(start_time), hour(start_time), count(*) FROM songplays GROUP BY 1, 2"
        ).fetchall()
    }
    got = {(r.day_of_week, r.hour): r.plays for r in cells.itertuples() if r.plays}
    assert got == expected
    assert cells.loc[cells.day_of_week == 1, "day_name"].unique().tolist() == ["Monday"]


def test_top_songs_and_artists_are_the_most_played_of_the_lake(warehouse, lake):
    songs = q.top_songs(warehouse, MONTH, limit=5)
    expected = lake.execute(
        "SELECT song, artist, count(*) AS plays FROM listen_events GROUP BY song, artist "
        "ORDER BY plays DESC, song, artist LIMIT 5"
    ).fetchall()
    assert [tuple(r) for r in songs.itertuples(index=False)] == expected
    artists = q.top_artists(warehouse, MONTH, limit=5)
    expected = lake.execute(
        "SELECT artist, count(*) AS plays FROM listen_events GROUP BY artist "
        "ORDER BY plays DESC, artist LIMIT 5"
    ).fetchall()
    assert [tuple(r) for r in artists.itertuples(index=False)] == expected


def test_session_lengths_are_each_days_sessions_first_to_last_event(warehouse, lake):
    sessions = by_day(q.session_lengths(warehouse, MONTH))
    expected = rows(
        lake,
        """
        SELECT date, count(*), avg(seconds) / 60
        FROM (SELECT date, session_id, date_diff('second', min(ts), max(ts)) AS seconds
              FROM log_events GROUP BY date, session_id)
        GROUP BY date
        """,
    )
    assert len(sessions) == len(expected)
    for day, (count, minutes) in expected.items():
        assert sessions.loc[day, "sessions"] == count
        assert sessions.loc[day, "average_minutes"] == pytest.approx(minutes)


def test_level_mix_and_funnel_count_the_lakes_users(warehouse, lake):
    mix = q.level_mix(warehouse, MONTH)
    kpis = q.daily_kpis(warehouse, MONTH)
    assert mix["active_users"].sum() == kpis["active_users"].sum()
    funnel = q.level_funnel(warehouse, MONTH).set_index("stage")["user_days"]
    expected = rows(
        lake,
        """
        SELECT page, count(*) FROM (
            SELECT DISTINCT date, user_id, page FROM page_view_events
            WHERE page IN ('Upgrade', 'Submit Upgrade', 'Cancel', 'Cancellation Confirmation'))
        GROUP BY page
        """,
    )
    assert funnel["Opened Upgrade"] == expected["Upgrade"]
    assert funnel["Upgraded to paid"] == expected["Submit Upgrade"]
    assert funnel["Opened Cancel"] == expected.get("Cancel", 0)
    assert funnel["Cancelled"] == expected.get("Cancellation Confirmation", 0)
    free = mix.loc[mix.level == "free", "active_users"].sum()
    assert funnel["Active free users"] == free > funnel["Opened Upgrade"]


def test_cohorts_are_the_users_of_each_registration_week_active_in_each_week(warehouse, lake):
    cohorts = q.cohorts(warehouse, MONTH)
    for week in ("registration_week", "activity_week"):
        cohorts[week] = cohorts[week].dt.date
    expected = {
        (registration_week, activity_week): users
        for registration_week, activity_week, users in lake.execute(
            """
            SELECT CAST(date_trunc('week', registration) AS DATE),
                   CAST(date_trunc('week', date) AS DATE), count(DISTINCT user_id)
            FROM log_events WHERE user_id IS NOT NULL AND registration IS NOT NULL
            GROUP BY 1, 2
            """
        ).fetchall()
    }
    got = {(r.registration_week, r.activity_week): r.active_users for r in cohorts.itertuples()}
    assert got == expected
    sizes = rows(
        lake,
        "SELECT CAST(date_trunc('week', registration) AS DATE), count(DISTINCT user_id) "
        "FROM log_events WHERE user_id IS NOT NULL GROUP BY 1",
    )
    for r in cohorts.itertuples():
        assert r.cohort_users == sizes[r.registration_week]
        assert r.retention == pytest.approx(r.active_users / r.cohort_users)
        assert r.weeks_since_registration == (r.activity_week - r.registration_week).days // 7


def test_plays_by_state_and_city_add_up_to_the_lakes_and_have_coordinates(warehouse, lake):
    states = q.plays_by_state(warehouse, MONTH).set_index("state")
    expected = rows(lake, "SELECT state, count(*) FROM listen_events GROUP BY state")
    assert states["plays"].to_dict() == expected
    assert states["plays"].sum() == SAMPLE_PLAYS
    # Every state the sample logs is a US state or a metro area starting with one.
    assert states["latitude"].notna().all() and states["longitude"].between(-170, -60).all()
    assert states.loc["CA", "latitude"] == pytest.approx(37.2)
    cities = q.plays_by_location(warehouse, MONTH)
    assert cities["plays"].sum() == SAMPLE_PLAYS
    top = lake.execute(
        "SELECT location, count(*) AS plays FROM listen_events GROUP BY location "
        "ORDER BY plays DESC, location LIMIT 1"
    ).fetchone()
    assert tuple(cities.iloc[0][["location", "plays"]]) == top
    assert set(cities["coordinates_from"]) == {"state centre"}


def test_data_quality_counts_the_lakes_lines_and_its_one_matched_play(warehouse, lake):
    shares = by_day(q.quarantine_shares(warehouse, MONTH, threshold=0.01))
    lines = rows(lake, "SELECT date, count(*) FROM log_events GROUP BY date")
    quarantined = rows(lake, "SELECT date, count(*) FROM quarantined_log_lines GROUP BY date")
    for day, events in lines.items():
        assert shares.loc[day, "lines"] == events + quarantined.get(day, 0)
        assert shares.loc[day, "quarantined"] == quarantined.get(day, 0)
    assert shares["within_threshold"].all()
    assert len(q.quarantined_lines(warehouse, MONTH)) == len(quarantined)
    matches = q.catalogue_matches(warehouse, MONTH)
    assert (matches["plays"].sum(), matches["matched_plays"].sum()) == (SAMPLE_PLAYS, 1)


def test_freshness_names_the_months_days_and_when_the_copy_was_published(
    warehouse, sample_read_copy
):
    fresh = q.freshness(warehouse, sample_read_copy)
    assert (fresh.first_day, fresh.latest_day) == (SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY)
    assert len(fresh.days_built) == 30 and fresh.missing_days == [] and fresh.empty_days == []
    published = datetime.fromtimestamp(sample_read_copy.stat().st_mtime, tz=UTC)
    assert fresh.published_at == published
    assert fresh.days_behind(date(2018, 12, 1)) == 0
    assert fresh.days_behind(date(2018, 12, 3)) == 2


def test_freshness_finds_missing_and_empty_days():
    days = [date(2018, 11, 1), date(2018, 11, 2), date(2018, 11, 5)]
    fresh = q.Freshness(datetime.now(UTC), days, days[:1])
    assert fresh.missing_days == [date(2018, 11, 3), date(2018, 11, 4)]
    assert fresh.empty_days == days[1:]
    assert q.Freshness(datetime.now(UTC)).days_behind(date(2018, 11, 6)) is None


def test_no_warehouse_is_said_in_words(tmp_path):
    with pytest.raises(q.WarehouseNotReady, match="has not been built yet"):
        q.open_read_copy(tmp_path / "warehouse" / "sparkify_read.duckdb")
    with pytest.raises(q.WarehouseNotReady, match="no local warehouse"):
        q.open_read_copy(None)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(q.WarehouseNotReady, match="has no dim_datetime"):
        q.open_read_copy(other)
    broken = tmp_path / "broken.duckdb"
    broken.write_text("not a database")
    with pytest.raises(q.WarehouseNotReady, match="cannot be opened"):
        q.open_read_copy(broken)


def test_the_dashboards_connection_reads_no_other_file(warehouse, sample_run):
    with pytest.raises(duckdb.PermissionException):
        warehouse.execute(f"SELECT * FROM read_parquet('{sample_run[0]}/star/songs/*.parquet')")
    with pytest.raises(duckdb.Error):
        warehouse.execute("CREATE TABLE scratch AS SELECT 1")


def test_filters_refuse_a_range_that_ends_before_it_starts_and_unknown_levels():
    with pytest.raises(ValueError, match="starts"):
        q.Filters(date(2018, 11, 2), date(2018, 11, 1))
    with pytest.raises(ValueError, match="levels"):
        q.Filters(date(2018, 11, 1), date(2018, 11, 2), ("gold",))
