"""Data-quality measurements as pure DataFrame functions; the assets turn them into checks."""

from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


@dataclass(frozen=True)
class KeyReport:
    rows: int
    null_keys: int
    duplicate_keys: int
    # An order-free hash of the key values: two unique-key columns with equal row counts and
    # equal xor_hash hold the same set of keys (up to a 64-bit collision), no join needed.
    xor_hash: int

    @property
    def ok(self) -> bool:
        return self.null_keys == 0 and self.duplicate_keys == 0


def primary_key_check_name(key: str) -> str:
    return f"{key}_unique_and_not_null"


def primary_key_report(df: DataFrame, key: str) -> KeyReport:
    """Nulls, duplicates and a set fingerprint of a would-be primary key, in one pass."""
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count(key).alias("non_null"),
        F.count_distinct(key).alias("distinct"),
        F.coalesce(F.bit_xor(F.xxhash64(key)), F.lit(0)).alias("xor_hash"),
    ).first()
    return KeyReport(
        rows=row["rows"],
        null_keys=row["rows"] - row["non_null"],
        duplicate_keys=row["non_null"] - row["distinct"],
        xor_hash=row["xor_hash"],
    )


def orphan_keys(child: DataFrame, parent: DataFrame, key: str) -> list:
    """Non-null values of `key` in `child` that `parent` lacks (foreign-key violations)."""
    present = child.select(key).where(F.col(key).isNotNull()).distinct()
    return [r[key] for r in present.join(parent.select(key), key, "left_anti").collect()]
