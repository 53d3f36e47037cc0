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


@dataclass(frozen=True)
class IdSetFingerprint:
    """Count, distinct count and an order-free hash of a column's values, in one pass.

    Two columns of unique ids with equal fingerprints hold the same set of ids (up to a 64-bit
    hash collision), without the shuffle a join of the two would cost.
    """

    rows: int
    distinct: int
    xor_hash: int


def id_set_fingerprint(df: DataFrame, column: str) -> IdSetFingerprint:
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_distinct(column).alias("distinct"),
        F.coalesce(F.bit_xor(F.xxhash64(column)), F.lit(0)).alias("xor_hash"),
    ).first()
    return IdSetFingerprint(row["rows"], row["distinct"], row["xor_hash"])
