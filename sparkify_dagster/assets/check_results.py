"""Quality measurements (sparkify_dagster.quality) turned into Dagster check results."""

import dagster as dg

from sparkify_dagster.quality import KeyReport


def primary_key_check(asset: str, key: str, report: KeyReport) -> dg.AssetCheckResult:
    """The result of the check primary_key_spec(asset, key) declares."""
    return dg.AssetCheckResult(
        check_name=_check_name(key),
        asset_key=asset,
        passed=report.ok,
        metadata={
            "rows": report.rows,
            "null_keys": report.null_keys,
            "duplicate_keys": report.duplicate_keys,
        },
    )


def _check_name(key: str) -> str:
    return f"{key}_unique_and_not_null"


def primary_key_spec(asset: str, key: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        _check_name(key),
        asset=asset,
        blocking=True,
        description=f"{asset}.{key} is a primary key: never null, never repeated.",
    )
