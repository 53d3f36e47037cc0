"""Every page of the app, run headless (Streamlit's AppTest: the real app.py and page scripts, no
browser): charts and figures on the sample month, and sentences, never a traceback, when the
warehouse is missing, empty, lacks a day or fails a check."""

from datetime import timedelta

from sparkify_dagster.dashboard import PAGES
from sparkify_dagster_tests.dashboard.helpers import SAMPLE_PLAYS, change_read_copy, run_pages
from sparkify_dagster_tests.helpers import SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY

# The fewest charts each page shows when it has data (a section without data says so instead).
CHARTS = {"Overview": 1, "Listening": 4, "Users": 3, "Geography": 2, "Data quality": 1}
DAY_MODELS = (
    "dim_datetime",
    "daily_sessions",
    "daily_active_users",
    "daily_plays_by_hour",
    "daily_new_users",
    "daily_level_funnel",
    "daily_top_songs",
    "daily_top_artists",
    "daily_plays_by_location",
    "daily_catalogue_matches",
    "daily_quarantined_lines",
    "int_user_days",
)


def test_every_page_shows_its_charts_and_the_months_plays_on_the_sample(sample_run, dashboard_env):
    dashboard_env(sample_run[0])
    shown = run_pages()
    assert set(shown) == {page.title for page in PAGES}
    for title, page in shown.items():
        assert page.problems == [], title
        assert page.charts >= CHARTS[title], title
    overview = shown["Overview"].text
    assert f"Latest day loaded: {SAMPLE_LAST_DAY}" in overview
    assert f"Plays (free, paid): {SAMPLE_PLAYS:,}" in overview
    # 2018 is long past: the page says how stale the data is.
    assert "days behind" in overview
    assert "Every check passed" in shown["Data quality"].text
    assert f"1 of {SAMPLE_PLAYS:,} plays matched" in shown["Data quality"].text


def test_without_a_warehouse_every_page_says_so(tmp_path, dashboard_env):
    dashboard_env(tmp_path / "lake")
    for title, page in run_pages().items():
        assert page.problems == [], title
        assert "The warehouse has not been built yet" in page.text, title
        assert page.charts == 0, title


def test_an_empty_warehouse_is_said_in_words(changed_lake, dashboard_env):
    change_read_copy(changed_lake, *(f"DELETE FROM {model}" for model in DAY_MODELS))
    dashboard_env(changed_lake)
    for title, page in run_pages().items():
        assert page.problems == [], title
        assert "The warehouse is empty: no day has been loaded yet" in page.text, title


def test_a_missing_day_is_named_and_its_figures_are_zero(changed_lake, dashboard_env):
    missing = SAMPLE_FIRST_DAY + timedelta(days=14)
    change_read_copy(
        changed_lake, *(f"DELETE FROM {m} WHERE event_date = DATE '{missing}'" for m in DAY_MODELS)
    )
    dashboard_env(changed_lake)
    shown = run_pages()
    for title, page in shown.items():
        assert page.problems == [], title
    assert f"Days missing in the warehouse: {missing}" in shown["Overview"].text
    assert f"missing: {missing}" in shown["Data quality"].text


def test_a_day_over_the_quarantine_threshold_fails_its_check_on_the_page(
    changed_lake, dashboard_env
):
    day = SAMPLE_FIRST_DAY + timedelta(days=3)
    change_read_copy(
        changed_lake,
        "INSERT INTO daily_quarantined_lines (event_date, reason, lines, files) "
        f"VALUES (DATE '{day}', 'malformed JSON', 40, 1)",
    )
    dashboard_env(changed_lake)
    quality = run_pages(tuple(p for p in PAGES if p.title == "Data quality"))["Data quality"]
    assert quality.problems == []
    assert "Failed: quarantine_share_below_threshold" in quality.text
    assert str(day) in quality.text
    assert quality.charts >= 2  # the quarantined lines now have a chart


def test_a_model_that_cannot_be_read_is_named_and_the_rest_of_the_page_renders(
    changed_lake, dashboard_env
):
    change_read_copy(changed_lake, "DROP TABLE weekly_cohorts")
    dashboard_env(changed_lake)
    users = run_pages(tuple(p for p in PAGES if p.title == "Users"))["Users"]
    assert users.problems == []
    assert "Cohorts cannot be shown" in users.text
    assert users.charts == CHARTS["Users"] - 1


def test_the_sidebars_days_and_level_change_the_figures_shown(sample_run, dashboard_env):
    from streamlit.testing.v1 import AppTest

    from sparkify_dagster.dashboard import APP
    from sparkify_dagster.query import connect

    dashboard_env(sample_run[0])
    week = (SAMPLE_FIRST_DAY + timedelta(days=7), SAMPLE_FIRST_DAY + timedelta(days=13))
    with connect(sample_run[0]) as lake:
        paid_plays = lake.execute(
            "SELECT count(*) FROM songplays WHERE level = 'paid' AND date BETWEEN ? AND ?", week
        ).fetchone()[0]
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    # AppTest's widget ids change from its first run to a page's (a browser's stay the same).
    app.switch_page(PAGES[0].script).run()
    app.date_input(key="days").set_value(week)
    app.button_group(key="levels").unselect("free")
    app.run()
    assert [str(e.value) for e in app.exception] == []
    shown = {metric.label: metric.value for metric in app.metric}
    assert 0 < paid_plays < SAMPLE_PLAYS
    assert shown["Plays (paid)"] == f"{paid_plays:,}"
    assert any(f"{week[1]} against {week[1] - timedelta(days=1)}" in h.value for h in app.subheader)
