"""The warehouse's models on the sample month: the figures the platform's star tables give,
reproduced and reconciled, every dbt test passing, every model and column described."""

import json

import pytest

from sparkify_dagster import tables
from sparkify_dagster.resources.warehouse import warehouse_project
from sparkify_dagster_tests.helpers import SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY
from sparkify_dagster_tests.warehouse.helpers import connect, lake_query


@pytest.fixture(scope="module")
def manifest() -> dict:
    """The dbt project's manifest, as the code location parses it (when missing or stale)."""
    return json.loads(warehouse_project().manifest_path.read_text())


def test_every_model_builds_and_every_dbt_test_passes_on_the_sample(sample_run, manifest):
    models = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }
    _, result = sample_run
    assert result.success
    dbt_checks = [
        check
        for check in result.get_asset_check_evaluations()
        if check.asset_key.to_user_string() in models
    ]
    assert [c.check_name for c in dbt_checks if not c.passed] == []
    assert len(dbt_checks) >= 50
    built = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    assert built >= models


def test_fact_streams_has_the_sample_songplays_day_by_day(sample_warehouse, sample_lake):
    with connect(sample_warehouse) as warehouse:
        total, distinct = warehouse.execute(
            "SELECT count(*), count(DISTINCT songplay_id) FROM fact_streams"
        ).fetchone()
        per_day = warehouse.execute(
            "SELECT event_date, count(*) FROM fact_streams GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert total == distinct == 6820
    assert per_day == lake_query(
        sample_lake,
        tables.SONGPLAYS,
        'SELECT "date", count(*) FROM {table} GROUP BY ALL ORDER BY ALL',
    )
    assert len(per_day) == 30


def test_dim_users_has_a_current_row_per_user_and_a_row_per_level_change(
    sample_warehouse, sample_lake
):
    # Level changes counted from the events themselves: each user's events in order, a change
    # wherever the level differs from the user's previous event.
    changes = dict(
        lake_query(
            sample_lake,
            tables.LOG_EVENTS,
            """
            SELECT user_id, count(*) FILTER (WHERE level <> previous) FROM (
                SELECT user_id, level, lag(level) OVER (
                    PARTITION BY user_id ORDER BY ts, session_id, item_in_session
                ) AS previous
                FROM {table} WHERE user_id IS NOT NULL
            ) GROUP BY user_id
            """,
        )
    )
    with connect(sample_warehouse) as warehouse:
        rows = dict(
            warehouse.execute("SELECT user_id, count(*) FROM dim_users GROUP BY ALL").fetchall()
        )
        current = warehouse.execute(
            "SELECT count(*), count(DISTINCT user_id) FROM dim_users WHERE current_row"
        ).fetchone()
        user_15 = warehouse.execute(
            "SELECT level, current_row FROM dim_users WHERE user_id = 15 "
            "ORDER BY row_activation_date"
        ).fetchall()
    assert len(changes) == 97 and current == (97, 97)
    assert sum(changes.values()) > 0
    assert rows == {user: 1 + count for user, count in changes.items()}
    assert changes[15] == 2
    assert user_15 == [("paid", False), ("free", False), ("paid", True)]


def test_each_play_is_keyed_to_the_level_period_in_force_at_play_time(sample_warehouse):
    with connect(sample_warehouse) as warehouse:
        mismatched, outside = warehouse.execute(
            """
            SELECT
                count(*) FILTER (WHERE streams.level <> users.level),
                count(*) FILTER (
                    WHERE streams.start_time < users.row_activation_date
                    OR streams.start_time >= users.row_expiration_date
                    OR streams.user_id <> users.user_id
                )
            FROM fact_streams AS streams JOIN dim_users AS users USING (user_key)
            """
        ).fetchone()
        # User 15 played while free, between its two changes, so the middle period is used.
        periods_used = warehouse.execute(
            "SELECT count(DISTINCT user_key) FROM fact_streams WHERE user_id = 15"
        ).fetchone()[0]
    assert (mismatched, outside) == (0, 0)
    assert periods_used == 3


def test_marts_reconcile_with_the_star_and_clean_tables(sample_warehouse, sample_lake):
    def lake(table: tables.Table, sql: str) -> list[tuple]:
        return lake_query(sample_lake, table, sql)

    plays_per_day = lake(
        tables.SONGPLAYS, 'SELECT "date", count(*) FROM {table} GROUP BY ALL ORDER BY ALL'
    )
    with connect(sample_warehouse) as warehouse:

        def mart(sql: str) -> list[tuple]:
            return warehouse.execute(sql).fetchall()

        for name in ("daily_plays_by_hour", "daily_active_users", "daily_sessions"):
            assert mart(f"SELECT event_date, sum(plays) FROM {name} GROUP BY ALL ORDER BY ALL") == (
                plays_per_day
            ), name
        for name in ("daily_top_songs", "daily_top_artists", "daily_catalogue_matches"):
            assert mart(f"SELECT sum(plays) FROM {name}") == [(6820,)], name
        assert mart("SELECT count(*), count(DISTINCT event_date) FROM daily_plays_by_hour") == [
            (30 * 24, 30)
        ]
        assert mart(
            "SELECT event_date, sum(active_users) FROM daily_active_users GROUP BY ALL ORDER BY ALL"
        ) == lake(
            tables.LOG_EVENTS,
            'SELECT "date", count(DISTINCT user_id) FROM {table} GROUP BY ALL ORDER BY ALL',
        )
        assert mart("SELECT event_date, events FROM daily_sessions ORDER BY ALL") == lake(
            tables.LOG_EVENTS, 'SELECT "date", count(*) FROM {table} GROUP BY ALL ORDER BY ALL'
        )
        assert mart("SELECT sum(matched_plays) FROM daily_catalogue_matches") == lake(
            tables.SONGPLAYS, "SELECT count(song_id) FROM {table}"
        )
        assert mart("SELECT sum(matched_plays) FROM daily_catalogue_matches") == [(1,)]
        assert mart("SELECT sum(upgrades), sum(downgrades) FROM daily_level_funnel") == lake(
            tables.PAGE_VIEW_EVENTS,
            "SELECT count(*) FILTER (WHERE page = 'Submit Upgrade'), "
            "count(*) FILTER (WHERE page = 'Submit Downgrade') FROM {table}",
        )
        # New users: active on the day they registered (one in the sample month). The sample
        # has no Cancel, Cancellation Confirmation or Submit Registration page to count.
        new_users = lake(
            tables.LOG_EVENTS,
            'SELECT "date", count(DISTINCT user_id) FROM {table} '
            'WHERE CAST(registration AS DATE) = "date" GROUP BY ALL ORDER BY ALL',
        )
        assert len(new_users) == 1
        assert (
            mart(
                "SELECT event_date, new_users FROM daily_new_users WHERE new_users > 0 ORDER BY ALL"
            )
            == new_users
        )
        assert mart("SELECT count(*) FROM daily_quarantined_lines") == lake(
            tables.QUARANTINED_LOG_LINES, "SELECT count(*) FROM {table}"
        )
        top = mart(
            "SELECT song_title, artist_name, plays FROM daily_top_songs "
            "WHERE event_date = DATE '2018-11-15' AND play_rank = 1"
        )
    assert top == lake(
        tables.LISTEN_EVENTS,
        """
        SELECT song, artist, count(*) FROM {table} WHERE "date" = DATE '2018-11-15'
        GROUP BY song, artist QUALIFY rank() OVER (ORDER BY count(*) DESC) = 1 ORDER BY ALL
        """,
    )


def test_dim_datetime_covers_every_hour_with_saturday_and_sunday_as_the_weekend(
    sample_warehouse,
):
    with connect(sample_warehouse) as warehouse:
        hours, first, last = warehouse.execute(
            "SELECT count(*), min(event_date), max(event_date) FROM dim_datetime"
        ).fetchone()
        weekend_days = warehouse.execute(
            "SELECT DISTINCT event_date FROM dim_datetime WHERE is_weekend ORDER BY 1"
        ).fetchall()
    assert (hours, first, last) == (30 * 24, SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY)
    # November 2018 began on a Thursday: its weekends are the 3rd/4th, 10th/11th, ...
    assert [day.day for (day,) in weekend_days] == [3, 4, 10, 11, 17, 18, 24, 25]


def test_every_model_and_each_of_its_columns_is_described(manifest, sample_warehouse):
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    with connect(sample_warehouse) as warehouse:
        built = {
            name: [
                column
                for (column,) in warehouse.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [name],
                ).fetchall()
            ]
            for name in (model["name"] for model in models)
        }
    undescribed = {
        model["name"]: [
            column
            for column in built[model["name"]]
            if not model["columns"].get(column, {}).get("description")
        ]
        for model in models
    }
    assert len(models) >= 29
    assert all(model["description"] for model in models)
    assert {name: columns for name, columns in undescribed.items() if columns} == {}
    assert all(columns for columns in built.values())  # every model was built


def test_no_column_is_a_128_bit_integer_or_a_4_byte_float(sample_warehouse):
    """DuckDB sums counts into HUGEINT and dbt's type_float is REAL: readers (pandas, Arrow, a
    dashboard) expect BIGINT counts and DOUBLE measures."""
    with connect(sample_warehouse) as warehouse:
        odd = warehouse.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE data_type IN ('HUGEINT', 'FLOAT') OR data_type LIKE 'DECIMAL%'"
        ).fetchall()
    assert odd == []


def test_models_are_in_their_groups_and_read_the_lake_through_its_sources(manifest):
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    folders = {name: node["fqn"][1] for name, node in models.items()}
    assert {name for name, folder in folders.items() if folder == "staging"} == {
        f"stg_{source['name']}" for source in manifest["sources"].values()
    }
    assert {"dim_users", "dim_songs", "dim_artists", "dim_location", "dim_datetime"} | {
        "fact_streams",
        "wide_stream",
    } <= {name for name, folder in folders.items() if folder == "production"}
    assert all(
        name.startswith(("daily_", "weekly_"))
        for name, folder in folders.items()
        if folder == "marts"
    )
    # Only staging reads the lake; each of its models reads exactly its own table.
    for name, node in models.items():
        sources = node["depends_on"]["nodes"]
        lake = [unique_id for unique_id in sources if unique_id.startswith("source.")]
        if folders[name] == "staging":
            assert lake == [f"source.sparkify_warehouse.lake.{name.removeprefix('stg_')}"]
        else:
            assert lake == [], name
