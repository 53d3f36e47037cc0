"""Parquet tables in a lake, replaced so that readers never see half a partition.

A write goes to `<lake>/_staging/<uuid>/` first; finished partitions are then swapped in with
directory renames. A rerun of a day therefore replaces exactly that day's directory: never a
doubled partition, never a mix of old and new files. Rows are sorted on the table's key before
they are written, so identical inputs give identical table contents.

The lake is a local directory (renames are atomic) or a URI such as s3://bucket/lake, reached
through Spark's Hadoop filesystems (sparkify_dagster.filesystems: on an object store a rename
is a copy, so the swap there is quick but not atomic).
"""

import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from sparkify_dagster.filesystems import files_for, hidden, is_uri, join
from sparkify_dagster.tables import Table
from sparkify_dagster.transforms.events import PARTITION_COLUMN

# A daily table written through arrange_by_day (one computed with a shuffle, such as `time`) gets
# one file per ~ROWS_PER_FILE rows of a day, so a big day is sorted and written on every core
# while a small day stays a single file. Tables cut from the pieces Spark reads (the clean zone,
# songplays) keep those pieces instead: sort_for_writing.
ROWS_PER_FILE = 250_000
MAX_FILES_PER_DAY = 16


def files_per_day_for(total: int, days: int) -> int:
    """How many files (and parallel tasks) each of `days` days gets, for `total` rows over all."""
    return max(1, min(MAX_FILES_PER_DAY, round(total / max(days, 1) / ROWS_PER_FILE)))


class MissingTableError(RuntimeError):
    """A table (or a day of it) that a computation needs has not been materialized yet."""


def sort_for_writing(df: DataFrame, table: Table) -> DataFrame:
    """Each partition's rows by `date`, then the table's key, then every other column.

    Rows that tie on the key are ordered by their other values, so a file's order never depends
    on how its rows reached the task.
    """
    order = [PARTITION_COLUMN, *table.sort_by]
    order += [c for c in df.columns if c not in order]
    return df.sortWithinPartitions(*order)


def arrange_by_day(df: DataFrame, table: Table, files_per_day: int = 1) -> DataFrame:
    """Rows grouped by `date`, each day spread over `files_per_day` tasks, sorted by key.

    Spreading (by a hash of the key, so the same rows always go to the same file) lets a big
    day be sorted and written on every core.
    """
    spread = [F.col(PARTITION_COLUMN)]
    if files_per_day > 1:
        spread.append(F.pmod(F.xxhash64(*table.sort_by), F.lit(files_per_day)))
    return sort_for_writing(df.repartition(*spread), table)


class ParquetLake:
    """The output lake: clean/, star/, quarantine/ and state/ under one root (directory or URI)."""

    def __init__(self, root: str | os.PathLike, session: SparkSession | None = None):
        root = str(root)
        self.root = root.rstrip("/") if is_uri(root) else os.path.abspath(os.path.expanduser(root))
        self.files = files_for(self.root, session)

    def path(self, table: Table) -> str:
        return join(self.root, table.relative_path)

    def partition_path(self, table: Table, day: date) -> str:
        return join(self.path(table), f"{PARTITION_COLUMN}={day.isoformat()}")

    def _staging_dir(self) -> str:
        parent = join(self.root, "_staging")
        self.files.mkdirs(parent)
        return join(parent, uuid.uuid4().hex)

    def _swap_in(self, built: str, target: str) -> None:
        self.files.mkdirs(target.rsplit("/", 1)[0])
        retired = None
        if self.files.is_dir(target):
            retired = self._staging_dir()
            self.files.rename(target, retired)
        self.files.rename(built, target)
        if retired is not None:
            self.files.delete(retired)

    def _parquet_files(self, directory: str) -> list[str]:
        if not self.files.is_dir(directory):
            return []
        return sorted(p for p in self.files.files(directory, ".parquet") if not hidden(p))

    # ---- writing ---------------------------------------------------------------------------

    def replace_partitions(
        self,
        df: DataFrame,
        table: Table,
        days: Sequence[date],
        keep_pieces: bool = False,
        files_per_day: int = 1,
    ) -> None:
        """Write `df` (which has a `date` column) as exactly the partitions `days` of `table`.

        `keep_pieces=True` writes each of `df`'s partitions (the pieces Spark read) sorted as it
        is, one file per day it holds: no shuffle. Otherwise each day is spread over
        `files_per_day` files (see files_per_day_for).
        Days without rows get an empty partition, so "no events that day" is visible as such.
        """
        staging = self._staging_dir()
        try:
            # `date` leads the sort: the partitioned writer needs that order and would
            # otherwise re-sort by `date` alone, losing the row order within each day.
            ordered = (
                sort_for_writing(df, table)
                if keep_pieces
                else arrange_by_day(df, table, files_per_day=files_per_day)
            )
            ordered.write.partitionBy(PARTITION_COLUMN).parquet(staging)
            wanted = {f"{PARTITION_COLUMN}={d.isoformat()}" for d in days}
            produced = set(self.files.child_dirs(staging))
            unexpected = produced - wanted
            if unexpected:
                raise ValueError(
                    f"{table.name}: rows for {sorted(unexpected)} outside the days being written"
                )
            empty_days = sorted(wanted - produced)
            if empty_days:
                self._write_empty_partitions(df, staging, empty_days)
            for day in sorted(days):
                self._swap_in(
                    join(staging, f"{PARTITION_COLUMN}={day.isoformat()}"),
                    self.partition_path(table, day),
                )
        finally:
            self.files.delete(staging)

    def _write_empty_partitions(self, df: DataFrame, staging: str, names: Sequence[str]) -> None:
        """One schema-only parquet file, copied into each empty day: one Spark job, not one a day."""
        file_schema = T.StructType([f for f in df.schema.fields if f.name != PARTITION_COLUMN])
        template = join(staging, "_empty")
        df.sparkSession.createDataFrame([], file_schema).coalesce(1).write.parquet(template)
        (empty_file,) = self._parquet_files(template)
        for name in names:
            self.files.mkdirs(join(staging, name))
            self.files.copy_file(empty_file, join(staging, name, "part-00000-empty.parquet"))
        self.files.delete(template)

    def replace_table(self, df: DataFrame, table: Table) -> None:
        """Write `df` as the whole (unpartitioned) table, swapped in at once."""
        staging = self._staging_dir()
        try:
            built = join(staging, "table")
            df.repartition(1).sortWithinPartitions(*table.sort_by).write.parquet(built)
            self._swap_in(built, self.path(table))
        finally:
            self.files.delete(staging)

    # ---- reading ---------------------------------------------------------------------------

    def days(self, table: Table) -> set[date]:
        """The days of a daily table that have a partition with data files (one listing)."""
        found = set()
        prefix = f"{PARTITION_COLUMN}="
        for path in self.files.files(self.path(table), ".parquet"):
            *_, directory, name = path.split("/")
            if directory.startswith(prefix) and not hidden(name):
                found.add(date.fromisoformat(directory.removeprefix(prefix)))
        return found

    def exists(self, table: Table, day: date | None = None) -> bool:
        directory = self.path(table) if day is None else self.partition_path(table, day)
        return bool(self._parquet_files(directory))

    def parquet_files(self, table: Table) -> list[str]:
        """Every data file of a table (all its days), in a stable order."""
        return self._parquet_files(self.path(table))

    def read_partitions(self, spark: SparkSession, table: Table, days: Iterable[date]) -> DataFrame:
        """The given days of a daily table, with its `date` column."""
        days = sorted(days)
        missing = [d.isoformat() for d in days if not self.exists(table, d)]
        if missing:
            raise MissingTableError(
                f"{table.name} has no partition for {', '.join(missing)}: "
                f"materialize the `{table.name}` asset for those days first"
            )
        paths = [self.partition_path(table, d) for d in days]
        return spark.read.option("basePath", self.path(table)).parquet(*paths)

    def read_table(self, spark: SparkSession, table: Table) -> DataFrame:
        if not self.exists(table):
            raise MissingTableError(
                f"{table.name} has not been materialized yet ({self.path(table)}): materialize "
                f"the `{table.name}` asset first (songs and artists: job song_catalogue_refresh)"
            )
        return spark.read.parquet(self.path(table))

    # ---- describing (footers only: no Spark job) --------------------------------------------

    def row_count(self, table: Table, day: date | None = None) -> int:
        directory = self.path(table) if day is None else self.partition_path(table, day)
        return sum(self.files.parquet_rows(p) for p in self._parquet_files(directory))

    def total_rows(self, table: Table, days: Iterable[date]) -> int:
        return sum(self.row_count(table, day) for day in days)

    def preview(self, table: Table, day: date | None = None, rows: int = 5) -> list[dict]:
        """The first rows of a table (or one day of it), for materialization metadata."""
        directory = self.path(table) if day is None else self.partition_path(table, day)
        for path in self._parquet_files(directory):
            found = self.files.parquet_preview(path, rows)
            if found:
                return found
        return []
