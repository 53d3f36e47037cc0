"""The raw lake's layout, stated once: where song and log files are, and which day a log file is.

A log file belongs to the UTC day its name carries: any file under log_data/, in any folder,
named YYYY-MM-DD-events.json with a calendar date. The generator and the Sparkify sample put it
in log_data/YYYY/MM/, but late or re-delivered files elsewhere under log_data/ belong to their
day all the same. The CLI, the log-file sensor and the clean step all decide with
`log_file_day`, so they agree on the days and on the files of each day. Song files are the
*.json files under song_data/ (the Million Song Dataset's song_data/A/B/C/TRABC….json).

Importing it does not import pyspark: the generator (sparkify_generator) writes by it too.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sparkify_dagster.filesystems import files_for, join

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOG_DATA = "log_data"
SONG_DATA = "song_data"
SONG_FILE_SUFFIX = ".json"

# A log file's name; group 1 is its day. Python's and Java's regex syntax agree on it, so the
# clean step's Spark expression uses it too (LOG_FILE_IN_PATH).
_LOG_FILE = r"(\d{4}-\d{2}-\d{2})-events\.json"
LOG_FILE_NAME = re.compile(rf"^{_LOG_FILE}$")
LOG_FILE_IN_PATH = rf"(?:^|/){_LOG_FILE}$"
LOG_FILE_FORM = "YYYY-MM-DD-events.json"  # the name's form, as messages state it


def log_file_path(day: date) -> str:
    """Where a day's file goes, relative to the raw lake's root (the generator writes here)."""
    return f"{LOG_DATA}/{day:%Y}/{day:%m}/{day.isoformat()}-events.json"


def song_file_path(track_id: str) -> str:
    """Where a song's file goes, relative to the raw lake's root: song_data/ and three levels
    named by the track id's 3rd to 5th characters, as in the Million Song Dataset."""
    return f"{SONG_DATA}/{track_id[2]}/{track_id[3]}/{track_id[4]}/{track_id}{SONG_FILE_SUFFIX}"


class NotALogFile(ValueError):
    """A file under log_data/ that belongs to no day; the message says why."""


def log_file_day(path: str) -> date:
    """The UTC day of a file under log_data/, from its name alone (NotALogFile if none)."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    match = LOG_FILE_NAME.match(name)
    if not match:
        raise NotALogFile(f"name is not {LOG_FILE_FORM}")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise NotALogFile(f"{match.group(1)} is not a calendar date") from None


def being_written(path: str) -> bool:
    """Hidden names and *.partial: files still being written (by us or by upload tools)."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith(".") or name.endswith(".partial")


@dataclass(frozen=True)
class LogFiles:
    """Files under log_data/ by UTC day, and the others with the reason they belong to no day."""

    by_day: dict[date, list[str]]
    skipped: dict[str, str] = field(default_factory=dict)  # path → reason

    @property
    def days(self) -> list[date]:
        return sorted(self.by_day)

    def for_days(self, days: Iterable[date]) -> dict[date, list[str]]:
        return {day: self.by_day.get(day, []) for day in days}


def group_log_files(paths: Iterable[str]) -> LogFiles:
    """Paths of files under log_data/ (any depth, any order) → LogFiles, each day's paths sorted."""
    by_day: dict[date, list[str]] = {}
    skipped: dict[str, str] = {}
    for path in sorted(paths):
        if being_written(path):
            continue
        try:
            by_day.setdefault(log_file_day(path), []).append(path)
        except NotALogFile as reason:
            skipped[path] = str(reason)
    return LogFiles(by_day=by_day, skipped=skipped)


def list_log_files(source_root: str | Path, session: "SparkSession | None" = None) -> LogFiles:
    """Every file under log_data/, by day: one recursive listing (one LIST walk on S3)."""
    root = join(str(source_root), LOG_DATA)
    return group_log_files(files_for(root, session).files(root, ""))


def list_song_files(source_root: str | Path, session: "SparkSession | None" = None) -> list[str]:
    """All *.json files under song_data/, in a stable order."""
    root = join(str(source_root), SONG_DATA)
    return files_for(root, session).files(root, SONG_FILE_SUFFIX)
