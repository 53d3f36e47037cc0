"""Data-quality measurements as pure functions (of DataFrames, or of what the lake lists);
the steps measure them as the checks they declare (steps/step.py)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from sparkify_dagster.tables import Table


@dataclass(frozen=True)
class KeyReport:
    rows: int
    null_keys: int
    duplicate_keys: int
    # An order-free hash of the key values: two unique-key columns with equal row counts and
    # equal xor_hash hold the same set of keys (up to a 64-bit collision), no join needed.
    xor_hash: int
    # Non-null counts of other columns, measured in the same pass (count_non_null=...).
    non_null: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.null_keys == 0 and self.duplicate_keys == 0


def _xor_hash(key: Column) -> Column:
    return F.coalesce(F.bit_xor(F.xxhash64(key)), F.lit(0))


def primary_key_report(df: DataFrame, key: str, count_non_null: Sequence[str] = ()) -> KeyReport:
    """Nulls, duplicates and a set fingerprint of a would-be primary key, in one pass."""
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count(key).alias("non_null"),
        F.count_distinct(key).alias("distinct"),
        _xor_hash(F.col(key)).alias("xor_hash"),
        *[F.count(c).alias(f"non_null_{c}") for c in count_non_null],
    ).first()
    return KeyReport(
        rows=row["rows"],
        null_keys=row["rows"] - row["non_null"],
        duplicate_keys=row["non_null"] - row["distinct"],
        xor_hash=row["xor_hash"],
        non_null={c: row[f"non_null_{c}"] for c in count_non_null},
    )


def key_set_fingerprint(key: Column) -> list[Column]:
    """Aggregates `rows` and `xor_hash` of `key`: what a KeyReport's set is compared with.

    No distinct count, so no shuffle: meant for DataFrame.observe(), so the fingerprint of a
    step's input comes with the pass that writes its output.
    """
    return [F.count(F.lit(1)).alias("rows"), _xor_hash(key).alias("xor_hash")]


def orphan_keys(child: DataFrame, parent: DataFrame, key: str) -> list:
    """Non-null values of `key` in `child` that `parent` lacks (foreign-key violations)."""
    present = child.select(key).where(F.col(key).isNotNull()).distinct()
    return [r[key] for r in present.join(parent.select(key), key, "left_anti").collect()]


def days_without_source(days_by_table: Mapping[Table, set[date]]) -> dict[str, list[str]]:
    """Per derived daily table, the days it holds whose source table lacks that day.

    Such a day was built from a partition that has since been lost or deleted: the table's
    rows can no longer be traced to (or rebuilt from) what the lake holds for that day.
    """
    gaps = {}
    for table, days in days_by_table.items():
        source = table.derived_from
        if source is None:
            continue
        missing = sorted(days - days_by_table.get(source, set()))
        if missing:
            gaps[table.name] = [d.isoformat() for d in missing]
    return gaps
