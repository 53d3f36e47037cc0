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
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from sparkify_dagster.filesystems import files_for, is_uri
from sparkify_dagster.schemas import LOG_LINES, SONG_RECORDS


def split_s3_url(url: str) -> tuple[str, str]:
    """s3://bucket/prefix → (bucket, "prefix/"), the prefix empty or ending in "/"."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def file_sizes(paths: Sequence[str], session: SparkSession | None = None) -> int:
    """Total bytes of the given files (local paths or URIs, not mixed)."""
    if not paths:
        return 0
    files = files_for(paths[0], session)
    return sum(files.size(p) for p in paths)


@dataclass(frozen=True)
class SongRecords:
    """JSON object texts found in song files, and files that could not be split into any."""

    records: list[tuple[str, str]]  # (source_file, one JSON object's text)
    rejected: list[tuple[str, str, str]]  # (source_file, content, reason)


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


def _song_records(
    path: str, raw: bytes
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(path, raw.decode("utf-8", errors="replace"), "invalid UTF-8")]
    if not text.strip():
        return [], [(path, text, "empty file")]
    return [(path, obj) for obj in split_json_objects(text)], []


def _read_song_file(path: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    with open(path, "rb") as handle:
        return _song_records(path, handle.read())


def read_song_records(
    paths: Sequence[str], workers: int = 16, session: SparkSession | None = None
) -> SongRecords:
    """Read song files concurrently; results keep the order of `paths`.

    Local files are read by a thread pool; URIs (s3:// on EMR) by Spark's binaryFile source,
    which lists and fetches them on the executors, then split here like local ones.
    """
    records: list[tuple[str, str]] = []
    rejected: list[tuple[str, str, str]] = []
    if paths and is_uri(paths[0]):
        session = session or SparkSession.getActiveSession()
        fetched = session.read.format("binaryFile").load(list(paths)).select("path", "content")
        contents = {row["path"]: bytes(row["content"]) for row in fetched.collect()}
        results = [_song_records(p, contents[p]) for p in paths]
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
