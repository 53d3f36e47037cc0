"""Assets are thin: their checks, descriptions, columns and run config all come from the step
and table declarations, and their request carries the run config as the step's settings."""

import dataclasses
from datetime import date

from sparkify_dagster import tables
from sparkify_dagster.assets import ALL_ASSETS
from sparkify_dagster.assets.events import CleanEventsConfig
from sparkify_dagster.assets.star import SongplaysConfig
from sparkify_dagster.assets.step_results import step_request
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.steps import STEPS
from sparkify_dagster.steps.events import CLEAN_LOG_EVENTS_STEP
from sparkify_dagster.steps.star import SONGPLAYS_STEP, SongplaysSettings
from sparkify_dagster.steps.step import DESCRIPTION


def _step_of(asset):
    return STEPS[asset.node_def.name]


def test_each_asset_declares_exactly_the_checks_its_step_measures():
    for asset in ALL_ASSETS:
        specs = {
            (s.asset_key.to_user_string(), s.name, s.blocking, s.description)
            for s in asset.check_specs
        }
        declared = {
            (c.table.name, c.name, c.blocking, c.description) for c in _step_of(asset).checks
        }
        assert specs == declared, asset.node_def.name


def test_each_asset_is_described_grouped_and_typed_by_its_table():
    for asset in ALL_ASSETS:
        for key, spec in asset.specs_by_key.items():
            table = tables.TABLES_BY_NAME[key.to_user_string()]
            assert spec.description == table.description
            assert spec.group_name == table.zone
            shown = spec.metadata["dagster/column_schema"].columns
            assert [c.name for c in shown] == table.column_names


def test_run_config_takes_each_default_and_description_from_the_step_settings():
    for config, step in (
        (SongplaysConfig, SONGPLAYS_STEP),
        (CleanEventsConfig, CLEAN_LOG_EVENTS_STEP),
    ):
        declared = {
            f.name: (f.default, f.metadata[DESCRIPTION]) for f in dataclasses.fields(step.settings)
        }
        shown = {n: (f.default, f.description) for n, f in config.model_fields.items()}
        assert shown == declared


def test_an_assets_request_carries_its_run_config_as_typed_settings():
    lake = LakeResource(source_root="raw", lake_root="lake")
    days = [date(2018, 11, 3)]
    request = step_request(SONGPLAYS_STEP, lake, days, SongplaysConfig(duration_tolerance_s=1.5))
    assert request == SONGPLAYS_STEP.request("raw", "lake", days, SongplaysSettings(1.5))
    assert step_request(SONGPLAYS_STEP, lake, days).settings == SongplaysSettings()
