"""Check declarations shared by the assets (their results are measured in sparkify_dagster.steps)."""

import dagster as dg

from sparkify_dagster.quality import primary_key_check_name


def primary_key_spec(asset: str, key: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        primary_key_check_name(key),
        asset=asset,
        blocking=True,
        description=f"{asset}.{key} is a primary key: never null, never repeated.",
    )
