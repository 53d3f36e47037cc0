"""Data-quality measurements as pure DataFrame functions; the assets turn them into checks."""

from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


@dataclass(frozen=True)
class KeyReport:
    rows: int
    null_keys: int
    duplicate_keys: int

    @property
    def ok(self) -> bool:
        return self.null_keys == 0 and self.duplicate_keys == 0


def primary_key_report(df: DataFrame, key: str) -> KeyReport:
    """Nulls and duplicates of a would-be primary key, in one pass."""
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count(key).alias("non_null"),
        F.count_distinct(key).alias("distinct"),
    ).first()
    return KeyReport(
        rows=row["rows"],
        null_keys=row["rows"] - row["non_null"],
        duplicate_keys=row["non_null"] - row["distinct"],
    )


def orphan_keys(child: DataFrame, parent: DataFrame, key: str) -> list:
    """Non-null values of `key` in `child` that `parent` lacks (foreign-key violations)."""
    present = child.select(key).where(F.col(key).isNotNull()).distinct()
    return [r[key] for r in present.join(parent.select(key), key, "left_anti").collect()]


def unmatched_ids(expected_ids: DataFrame, actual_ids: DataFrame, key: str) -> int:
    """How many ids of `expected_ids` are missing from `actual_ids`."""
    return expected_ids.select(key).join(actual_ids.select(key), key, "left_anti").count()
