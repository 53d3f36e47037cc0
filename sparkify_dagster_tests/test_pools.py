"""The pools' limits, set explicitly before any run (sparkify_dagster/pools.py): on a SQLite
instance here; the PostgreSQL deployment's test runs the `pools` service itself."""

import dagster as dg

from sparkify_dagster.assets.star import USER_STATE_POOL
from sparkify_dagster.assets.warehouse import WAREHOUSE_POOL
from sparkify_dagster.definitions import build_definitions
from sparkify_dagster.pools import asset_pools, set_pool_limits
from sparkify_dagster.settings import Settings
from sparkify_dagster_tests.helpers import sparkify

POOLS = {USER_STATE_POOL, WAREHOUSE_POOL}


def _limits(instance: dg.DagsterInstance) -> set[tuple[str, int, bool]]:
    return {(p.name, p.limit, p.from_default) for p in instance.event_log_storage.get_pool_limits()}


def test_the_pools_are_those_the_assets_claim_slots_in():
    assert asset_pools(build_definitions(Settings()).assets) == POOLS


def test_each_pool_gets_the_default_limit_explicitly_and_again_after_a_change_in_the_ui():
    with dg.instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 1}}}) as inst:
        assert set_pool_limits(inst, POOLS) == dict.fromkeys(sorted(POOLS), 1)
        # Not from the default: no run's step gives these pools a limit (and none can fail so).
        assert _limits(inst) == {(pool, 1, False) for pool in POOLS}
        inst.event_log_storage.set_concurrency_slots(USER_STATE_POOL, 3)  # as the UI would
        set_pool_limits(inst, POOLS)
        assert _limits(inst) == {(pool, 1, False) for pool in POOLS}


def test_without_a_default_limit_the_pools_stay_unlimited():
    with dg.instance_for_test() as instance:
        assert set_pool_limits(instance, POOLS) == {}
        assert _limits(instance) == set()


def test_sparkify_pools_without_an_instance_fails_in_one_line():
    result = sparkify("pools")  # no DAGSTER_HOME
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: pools: ") and "DAGSTER_HOME" in line, result.stderr
