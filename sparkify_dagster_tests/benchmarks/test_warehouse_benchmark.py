"""The warehouse benchmark's timing: one run's steps split into the dbt step and the rest.

The benchmark itself is left out of the quick suite run (several dbt builds, ~1 min); what it
computes is proven here on a tiny real Dagster run.
"""

import time

import dagster as dg

from benchmarks.dagster_runs import _definitions, split_step_seconds, warehouse_step_keys
from benchmarks.warehouse import big_day_figure


def test_the_daily_jobs_warehouse_step_is_the_dbt_multi_asset(tmp_path):
    assert warehouse_step_keys(_definitions(tmp_path / "source", tmp_path / "lake")) == {
        "warehouse"
    }


def test_a_runs_steps_are_timed_apart_and_the_figure_divides_them(instance):
    @dg.asset
    def star_table():
        time.sleep(0.2)

    @dg.asset(deps=[star_table])
    def other_star_table():
        time.sleep(0.2)

    @dg.multi_asset(specs=[dg.AssetSpec("model", deps=[other_star_table], kinds={"dbt"})])
    def models():
        time.sleep(0.3)
        yield dg.MaterializeResult(asset_key="model")

    defs = dg.Definitions(
        assets=[star_table, other_star_table, models],
        jobs=[dg.define_asset_job("daily", executor_def=dg.in_process_executor)],
    )
    result = defs.resolve_job_def("daily").execute_in_process(instance=instance)
    assert result.success

    times = split_step_seconds(instance, result.run_id, warehouse_step_keys(defs))
    assert warehouse_step_keys(defs) == {"models"}
    assert 0.3 <= times.warehouse < 0.4 + 1
    assert 0.4 <= times.star_tables < 0.4 + 1
    figure = big_day_figure(times, 1_000)
    assert figure.ratio == times.warehouse / times.star_tables
    assert figure.met == (figure.ratio <= 0.5)
