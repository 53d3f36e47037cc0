"""Parquet tables in a lake, replaced so that readers never see half a partition.

A write goes to `<lake>/_staging/<uuid>/` first; finished partitions are then swapped in with
directory renames. A rerun of a day therefore replaces exactly that day's directory: never a
doubled partition, never a mix of old and new files. Rows are sorted on the table's key before
they are written, so identical inputs give identical table contents.

The lake is a local directory (renames are atomic) or a URI such as s3://bucket/lake, reached
through Spark's Hadoop filesystems (sparkify_dagster.filesystems: on an object store a rename
is a copy, so the swap there is quick but not atomic).

A swap is two renames (the old directory aside, the new one in): a process killed between them
would leave no table at all, and the next users step would start the state afresh. So each swap
is announced first in a journal, `<lake>/_swaps/<id>.json`, and removed once it is done; the next
step (holding the lake lock: sparkify_dagster.lake_lock) finishes whatever swap a dead run left
(recover), then removes the staging directories no live writer can own any more.
"""

import json
import os
import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from sparkify_dagster.filesystems import files_for, hidden, is_uri, join
from sparkify_dagster.tables import PARTITION_COLUMN, Table

# A daily table written through arrange_by_day (one computed with a shuffle, such as `time`) gets
# one file per ~ROWS_PER_FILE rows of a day, so a big day is sorted and written on every core
# while a small day stays a single file. Tables cut from the pieces Spark reads (the clean zone,
# songplays) keep those pieces instead: sort_for_writing.
ROWS_PER_FILE = 250_000
MAX_FILES_PER_DAY = 16


def files_per_day_for(total: int, days: int) -> int:
    """How many files (and parallel tasks) each of `days` days gets, for `total` rows over all."""
    return max(1, min(MAX_FILES_PER_DAY, round(total / max(days, 1) / ROWS_PER_FILE)))


STAGING_DIR = "_staging"
SWAPS_DIR = "_swaps"


class MissingTableError(RuntimeError):
    """A table (or a day of it) that a computation needs has not been materialized yet."""


class _Log(Protocol):
    def warning(self, msg: str) -> Any: ...


def sort_for_writing(df: DataFrame, table: Table) -> DataFrame:
    """Each partition's rows by `date`, then the table's key, then every other column.

    Rows that tie on the key are ordered by their other values, so a file's order never depends
    on how its rows reached the task.
    """
    order = [PARTITION_COLUMN, *table.sort_by]
    order += [c for c in df.columns if c not in order]
    return df.sortWithinPartitions(*order)


def check_columns(df: DataFrame, table: Table) -> None:
    """Refuse to write columns other than the ones tables.py declares (names, types, order).

    A daily table's DataFrame also carries PARTITION_COLUMN, which becomes its directories.
    """
    written = [f for f in df.schema.fields if not (table.daily and f.name == PARTITION_COLUMN)]
    got = [(f.name, f.dataType.simpleString()) for f in written]
    want = [(f.name, f.dataType.simpleString()) for f in table.columns.fields]
    missing_day = table.daily and PARTITION_COLUMN not in df.columns
    if got == want and not missing_day:
        return
    names, wanted = [n for n, _ in got], dict(want)
    problems = []
    if missing := [n for n in wanted if n not in names]:
        problems.append(f"missing {', '.join(missing)}")
    if extra := [n for n in names if n not in wanted]:
        problems.append(f"not declared: {', '.join(extra)}")
    if retyped := [f"{n} is {k}, declared {wanted[n]}" for n, k in got if wanted.get(n, k) != k]:
        problems.append(", ".join(retyped))
    if missing_day:
        problems.append(f"no {PARTITION_COLUMN} column")
    if not problems:
        problems.append(f"columns in the order {', '.join(names)}, declared {', '.join(wanted)}")
    raise ValueError(
        f"{table.name}: the DataFrame written does not match its columns in tables.py: "
        + "; ".join(problems)
    )


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
        # Built directories of swaps that raised: their staging stays for recover.
        self._unfinished: set[str] = set()
        self._lock = threading.Lock()  # writes of several tables run in threads

    def path(self, table: Table) -> str:
        return join(self.root, table.relative_path)

    def partition_path(self, table: Table, day: date) -> str:
        return join(self.path(table), f"{PARTITION_COLUMN}={day.isoformat()}")

    def _staging_dir(self) -> str:
        parent = join(self.root, STAGING_DIR)
        self.files.mkdirs(parent)
        return join(parent, uuid.uuid4().hex)

    def _relative(self, path: str) -> str:
        return path[len(self.root) + 1 :]

    def _swap_in(self, built: str, target: str) -> None:
        """`built` becomes `target`, the old `target` is deleted; journalled (see recover)."""
        self.files.mkdirs(target.rsplit("/", 1)[0])
        journal = join(self.root, SWAPS_DIR, f"{uuid.uuid4().hex}.json")
        self.files.mkdirs(journal.rsplit("/", 1)[0])
        swap = {"target": self._relative(target), "built": self._relative(built), "retired": None}
        retired = None
        try:
            if self.files.is_dir(target):
                retired = self._staging_dir()
                swap["retired"] = self._relative(retired)
                self._write_journal(journal, swap, "retiring")
                self.files.rename(target, retired)
            self._write_journal(journal, swap, "installing")
            self.files.rename(built, target)
        except BaseException:
            # Left for recover (the built directory too): deleting `built` now would leave a
            # swap that may have moved part of it in (S3) with nothing to finish it from.
            with self._lock:
                self._unfinished.add(built)
            raise
        self.files.delete(journal)
        if retired is not None:
            self.files.delete(retired)

    def _write_journal(self, journal: str, swap: dict, phase: str) -> None:
        self.files.write_text(journal, json.dumps({**swap, "phase": phase}))

    def _discard(self, staging: str) -> None:
        """Delete a write's staging directory, unless a swap from it was interrupted."""
        with self._lock:
            if any(b.startswith(staging + "/") for b in self._unfinished):
                return
        self.files.delete(staging)

    # ---- recovering from a dead writer (call only while holding the lake lock) ---------------

    def recover(self, log: _Log) -> None:
        """Finish every swap a dead run left half done, then delete leftover staging directories.

        A swap is rolled forward while its built directory exists (it was complete before the
        journal was written): new data is never thrown away for old. Only without it (deleted
        by hand) is the retired directory moved back. Either way the table exists afterwards.
        """
        journals = join(self.root, SWAPS_DIR)
        for name in self.files.child_files(journals):
            path = join(journals, name)
            if name.endswith(".json"):
                self._finish_swap(json.loads(self.files.read_text(path)), log)
            self.files.delete(path)  # a journal, or one a killed writer left half written
        staging = join(self.root, STAGING_DIR)
        leftovers = self.files.child_dirs(staging)
        for name in leftovers:
            self.files.delete(join(staging, name))
        if leftovers:
            log.warning(
                f"Removed {len(leftovers)} staging director{'y' if len(leftovers) == 1 else 'ies'} "
                f"left by runs that died while writing: {staging}/{{{', '.join(leftovers)}}}"
            )

    def _finish_swap(self, swap: dict, log: _Log) -> None:
        target, built = join(self.root, swap["target"]), join(self.root, swap["built"])
        retired = join(self.root, swap["retired"]) if swap["retired"] else None
        if self.files.is_dir(built):
            if swap["phase"] == "retiring":
                # The old directory was being moved aside: what is left of it goes.
                self.files.delete(target)
            self.files.move_into(built, target)
            outcome = "rolled forward: the table written by the interrupted run is in place"
        elif retired is not None and not self.files.is_dir(target):
            self.files.move_into(retired, target)
            outcome = "rolled back: its built copy is gone, the previous table is back"
        else:
            outcome = "it had finished"
        if retired is not None:
            self.files.delete(retired)
        log.warning(f"Recovered an interrupted swap of {swap['target']}: {outcome}")

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
        check_columns(df, table)
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
            self._discard(staging)

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
        check_columns(df, table)
        staging = self._staging_dir()
        try:
            built = join(staging, "table")
            df.repartition(1).sortWithinPartitions(*table.sort_by).write.parquet(built)
            self._swap_in(built, self.path(table))
        finally:
            self._discard(staging)

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
