"""The concurrency pools of the assets, given their limits before any run can claim a slot.

Dagster gives a pool the instance's default limit (dagster.yaml `concurrency.pools.default_limit`)
when a run's step first claims a slot in it, or when that default has changed. On PostgreSQL,
Dagster 1.13 fails the run whenever the pool's row exists by then (another run's step made it a
moment earlier, or the default changed): its INSERT violates the key, and the UPDATE it falls
back to runs in a transaction PostgreSQL has aborted (dagster-io/dagster#33552, open). A pool
with a limit set explicitly, as the UI sets one, is never initialized by a run; so the
deployment sets each pool's limit to the default, one pool after another, before its code server
starts (`sparkify pools`, the `pools` service of docker-compose.yml).
"""

from collections.abc import Iterable

import dagster as dg


def asset_pools(assets: Iterable) -> set[str]:
    """The pools the executable assets' ops claim slots in."""
    return {
        asset.op.pool
        for asset in assets
        if isinstance(asset, dg.AssetsDefinition) and asset.is_executable and asset.op.pool
    }


def set_pool_limits(instance: dg.DagsterInstance, pools: Iterable[str]) -> dict[str, int]:
    """Each pool's limit set to the instance's default, explicitly: what each pool got. Nothing
    when the instance has no default: its pools are then unlimited, as Dagster leaves them."""
    default = instance.global_op_concurrency_default_limit
    if default is None:
        return {}
    limits = dict.fromkeys(sorted(pools), default)
    for pool in limits:
        instance.event_log_storage.set_concurrency_slots(pool, default)
    return limits
