"""Finding and reading the raw lake: song_data/ and log_data/YYYY/MM/YYYY-MM-DD-events.json.

Song files are tiny (one song each) and numerous, so they are read here on the driver with a
thread pool instead of by Spark: Spark pays a task and a file-open cost per file (7 s for
10,000 files, against 0.7 s here). Log files are large and are read by Spark itself.
"""

import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from sparkify_dagster.filesystems import files_for, is_uri, join
from sparkify_dagster.schemas import LOG_LINES, SONG_RECORDS

LOG_FILE_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-events\.json$")


def split_s3_url(url: str) -> tuple[str, str]:
    """s3://bucket/prefix → (bucket, "prefix/"), the prefix empty or ending in "/"."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


@dataclass(frozen=True)
class LogFiles:
    """Log files found under log_data/, by UTC day, and names that don't fit the pattern."""

    by_day: dict[date, list[str]]
    skipped: list[str] = field(default_factory=list)

    @property
    def days(self) -> list[date]:
        return sorted(self.by_day)


def find_log_files(source_root: str | Path) -> LogFiles:
    """Every `YYYY-MM-DD-events.json` under log_data/ (any depth); other names are skipped."""
    root = Path(source_root) / "log_data"
    by_day: dict[date, list[str]] = {}
    skipped: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            match = LOG_FILE_NAME.match(name)
            day = _date_or_none(*match.groups()) if match else None
            if day is None:
                if not name.startswith("."):
                    skipped.append(path)
                continue
            by_day.setdefault(day, []).append(path)
    return LogFiles(by_day=by_day, skipped=skipped)


def _date_or_none(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def log_files_for_days(
    source_root: str | Path, days: Iterable[date], session: SparkSession | None = None
) -> dict[date, list[str]]:
    """The log file(s) of each day, looked up where the layout puts them (no full listing)."""
    root = join(str(source_root), "log_data")
    files = files_for(root, session)
    found: dict[date, list[str]] = {}
    for day in days:
        name = f"{day.isoformat()}-events.json"
        candidates = [join(root, f"{day:%Y}", f"{day:%m}", name), join(root, name)]
        found[day] = [p for p in candidates if files.is_file(p)]
    return found


def list_song_files(source_root: str | Path, session: SparkSession | None = None) -> list[str]:
    """All *.json files under song_data/, in a stable order."""
    root = join(str(source_root), "song_data")
    return files_for(root, session).files(root, ".json")


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


def read_log_lines(spark: SparkSession, files: Sequence[str]) -> DataFrame:
    """(source_file, line) for every line of the given log files, blank and broken ones included."""
    if not files:
        return spark.createDataFrame([], LOG_LINES)
    return spark.read.text(list(files)).select(
        F.col("_metadata.file_path").alias("source_file"), F.col("value").alias("line")
    )


def song_records_frame(spark: SparkSession, records: Sequence[tuple[str, str]]) -> DataFrame:
    """The song records read on the driver as a Spark DataFrame (via Arrow, no per-row pickling)."""
    source_files, texts = zip(*records, strict=True) if records else ((), ())
    arrow = pa.table(
        {"source_file": pa.array(source_files, pa.string()), "record": pa.array(texts, pa.string())}
    )
    return spark.createDataFrame(arrow, schema=SONG_RECORDS)
