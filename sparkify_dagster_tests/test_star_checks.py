"""The star schema's checks fail when the tables are wrong, not only pass when they are right."""

import shutil
from datetime import date

import pytest
from pyspark.sql import functions as F

from sparkify_dagster.steps import star
from sparkify_dagster.steps.star import ONE_SONGPLAY_PER_LISTEN_EVENT, SONGPLAY_ID_KEY, ZONES_AGREE
from sparkify_dagster_tests.helpers import SAMPLE, run_pipeline

pytestmark = pytest.mark.slow  # several Dagster runs

DAY = date(2018, 11, 15)


def test_a_songplay_with_an_id_no_listen_has_fails_one_songplay_per_listen_event(
    monkeypatch, tmp_path
):
    build = star.T.build_songplays

    def one_id_swapped(*args, **kwargs):
        df = build(*args, **kwargs)
        first = df.agg(F.min("songplay_id")).first()[0]
        swapped = F.when(F.col("songplay_id") == first, F.lit("0" * 32))
        return df.withColumn("songplay_id", swapped.otherwise(F.col("songplay_id")))

    monkeypatch.setattr(star.T, "build_songplays", one_id_swapped)

    result = run_pipeline(SAMPLE, tmp_path / "lake", DAY, DAY)

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    per_listen = checks[ONE_SONGPLAY_PER_LISTEN_EVENT.name]
    assert not per_listen.passed
    # Same number of rows, unique ids: only the id set tells the tables apart.
    assert per_listen.metadata["songplays"].value == per_listen.metadata["listen_events"].value > 0
    assert per_listen.metadata["same_id_set"].value is False
    assert checks[SONGPLAY_ID_KEY.name].passed


def test_a_deleted_clean_partition_fails_every_derived_day_has_its_source(tmp_path):
    lake = tmp_path / "lake"
    first, lost, later = date(2018, 11, 1), date(2018, 11, 2), date(2018, 11, 3)
    assert run_pipeline(SAMPLE, lake, first, lost).success
    shutil.rmtree(lake / "clean" / "log_events" / f"date={lost}")

    result = run_pipeline(SAMPLE, lake, later, later)

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    zones = checks[ZONES_AGREE.name]
    assert not zones.passed
    assert not result.success  # blocking: the run says the lake is inconsistent
    # The topic tables still hold the lost day's rows; time and songplays still have their
    # own source (listen_events) for it.
    assert zones.metadata["days_without_source"].value == {
        "listen_events": [lost.isoformat()],
        "page_view_events": [lost.isoformat()],
        "auth_events": [lost.isoformat()],
    }
    assert {e.check_name for e in result.get_asset_check_evaluations() if not e.passed} == {
        ZONES_AGREE.name
    }

    # Rerunning the lost day reads its log file again and the zones agree.
    assert run_pipeline(SAMPLE, lake, lost, lost).success
