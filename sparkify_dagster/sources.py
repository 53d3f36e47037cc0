"""Reading the raw lake's files (which files there are is sparkify_dagster.layout's business).

Song files are tiny (one song each) and numerous, so they are read here on the driver with a
thread pool instead of by Spark: Spark pays a task and a file-open cost per file (7 s for
10,000 files, against 0.7 s here). Log files are large and are read by Spark itself.
"""

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import reduce

import pyarrow as pa
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from sparkify_dagster.filesystems import files_for, is_uri
from sparkify_dagster.schemas import LOG_LINES, SONG_RECORDS


def file_sizes(paths: Sequence[str], session: SparkSession | None = None) -> int:
    """Total bytes of the given files (local paths or URIs, not mixed)."""
    if not paths:
        return 0
    files = files_for(paths[0], session)
    return sum(files.size(p) for p in paths)


# A song file that gave no records: (source_file, its text, or None if unread, reason).
Rejected = tuple[str, str | None, str]


@dataclass(frozen=True)
class SongRecords:
    """JSON object texts found in song files, and files that could not be split into any."""

    records: list[tuple[str, str]]  # (source_file, one JSON object's text)
    rejected: list[Rejected]


def split_json_objects(text: str) -> Iterator[str]:
    """The JSON texts in a file: one object, several concatenated, pretty-printed, or an array.

    Whatever cannot be decoded is yielded as it is, so the parser downstream rejects it with a
    reason instead of it being lost.
    """
    decoder = json.JSONDecoder()
    position, end = 0, len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            return
        try:
            value, stop = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            yield text[position:]
            return
        if isinstance(value, list):
            yield from (json.dumps(item, ensure_ascii=False) for item in value)
        else:
            yield text[position:stop]
        position = stop


def _song_records(path: str, raw: bytes) -> tuple[list[tuple[str, str]], list[Rejected]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(path, raw.decode("utf-8", errors="replace"), "invalid UTF-8")]
    if not text.strip():
        return [], [(path, text, "empty file")]
    return [(path, obj) for obj in split_json_objects(text)], []


def _unreadable(path: str, cause: str) -> tuple[list[tuple[str, str]], list[Rejected]]:
    return [], [(path, None, f"unreadable: {cause}")]


def _read_song_file(path: str) -> tuple[list[tuple[str, str]], list[Rejected]]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        # "[Errno 40] Too many levels of symbolic links": the cause; the path is source_file.
        return _unreadable(
            path, f"[Errno {error.errno}] {error.strerror}" if error.errno else str(error)
        )
    return _song_records(path, raw)


def _fetch_song_files(
    session: SparkSession, paths: Sequence[str]
) -> tuple[dict[str, bytes], set[str]]:
    """Each URI's bytes, by one Spark job, and the URIs found gone when it started.

    Spark skips a file it cannot read rather than failing the job. One that is gone when the
    job starts (deleted since the listing) fails the load for all, so only then are the files
    looked up one by one, and the load repeated without the missing ones.
    """
    reader = (
        session.read.format("binaryFile")
        .option("ignoreMissingFiles", True)
        .option("ignoreCorruptFiles", True)
    )
    gone: set[str] = set()
    try:
        fetched = reader.load(list(paths))
    except AnalysisException as error:
        if error.getCondition() != "PATH_NOT_FOUND":
            raise
        files = files_for(paths[0], session)
        gone = {p for p in paths if not files.is_file(p)}
        present = [p for p in paths if p not in gone]
        if not present:
            return {}, gone
        fetched = reader.load(present)
    rows = fetched.select("path", "content").collect()
    return {row["path"]: bytes(row["content"]) for row in rows}, gone


# Spark skips a file it cannot read with a warning in its log, and gives no cause back.
_NOT_FETCHED = "Spark could not read it (its log says why)"


def read_song_records(
    paths: Sequence[str], workers: int = 16, session: SparkSession | None = None
) -> SongRecords:
    """Read song files concurrently; results keep the order of `paths`.

    Local files are read by a thread pool; URIs (s3:// on EMR) by Spark's binaryFile source,
    which lists and fetches them on the executors, then split here like local ones. A file
    that cannot be read (dangling or looping symlink, no permission, gone) is rejected with
    the reason like a broken one, never failing the whole catalogue.
    """
    records: list[tuple[str, str]] = []
    rejected: list[Rejected] = []
    if paths and is_uri(paths[0]):
        session = session or SparkSession.getActiveSession()
        contents, gone = _fetch_song_files(session, paths)
        results = [
            _song_records(p, contents[p])
            if p in contents
            else _unreadable(p, "not found when read" if p in gone else _NOT_FETCHED)
            for p in paths
        ]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_read_song_file, paths, chunksize=64))
    for good, bad in results:
        records.extend(good)
        rejected.extend(bad)
    return SongRecords(records=records, rejected=rejected)


GZIP_MAGIC = b"\x1f\x8b"


def read_log_lines(spark: SparkSession, files: Sequence[str]) -> DataFrame:
    """(source_file, line, compressed) for every line of the given log files, blank and broken
    ones included. Spark decompresses by file extension only, so a gzip file named .json is read
    as binary "lines": its first bytes mark it, for the quarantine to say so."""
    if not files:
        return spark.createDataFrame([], LOG_LINES)
    store = files_for(files[0], spark)
    gzipped = {f for f in files if store.head(f, len(GZIP_MAGIC)) == GZIP_MAGIC}
    groups = [(False, [f for f in files if f not in gzipped]), (True, sorted(gzipped))]
    # True for the gzip files, yet not a literal: from a literal the optimizer would prove a
    # day of gzip files all bad, drop the clean events' plan and its line counts with it.
    always = F.col("_metadata.file_size") >= 0
    frames = [
        spark.read.text(paths).select(
            F.col("_metadata.file_path").alias("source_file"),
            F.col("value").alias("line"),
            (always if compressed else F.lit(False)).alias("compressed"),
        )
        for compressed, paths in groups
        if paths
    ]
    return reduce(DataFrame.union, frames)


def song_records_frame(spark: SparkSession, records: Sequence[tuple[str, str]]) -> DataFrame:
    """The song records read on the driver as a Spark DataFrame (via Arrow, no per-row pickling)."""
    source_files, texts = zip(*records, strict=True) if records else ((), ())
    arrow = pa.table(
        {"source_file": pa.array(source_files, pa.string()), "record": pa.array(texts, pa.string())}
    )
    return spark.createDataFrame(arrow, schema=SONG_RECORDS)
