"""Quality measurements (sparkify_dagster.quality) turned into Dagster check results."""

import dagster as dg
from pyspark.sql import DataFrame

from sparkify_dagster.quality import KeyReport, primary_key_report


def primary_key_check(
    check_name: str, asset: str, df: DataFrame, key: str, report: KeyReport | None = None
) -> dg.AssetCheckResult:
    """The key check of `df` (or of an already computed report of it)."""
    report = report or primary_key_report(df, key)
    return dg.AssetCheckResult(
        check_name=check_name,
        asset_key=asset,
        passed=report.ok,
        metadata={
            "rows": report.rows,
            "null_keys": report.null_keys,
            "duplicate_keys": report.duplicate_keys,
        },
    )


def primary_key_spec(asset: str, key: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        f"{key}_unique_and_not_null",
        asset=asset,
        blocking=True,
        description=f"{asset}.{key} is a primary key: never null, never repeated.",
    )
