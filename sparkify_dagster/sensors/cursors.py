"""Sensor cursors: which file versions have already been acted on. Pure functions, JSON state.

Log files: the cursor remembers every log file's latest version (one file a day keeps it small),
so files sharing a LastModified second, files moved in with an old mtime and re-uploads are all
told apart exactly. Song files can number millions: that cursor keeps the newest modification
time, a digest of the versions carrying it, and the file count; any change to those is "new".
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sparkify_dagster.sensors.listing import FileVersion


def fingerprint(versions: Iterable[FileVersion]) -> str:
    """A digest of a set of file versions (sha256 hex, order-free): equal iff the same versions."""
    return hashlib.sha256(
        "\n".join(sorted(f"{v.key}@{v.tag}" for v in versions)).encode()
    ).hexdigest()


@dataclass
class LogFilesCursor:
    versions: dict[str, str] = field(default_factory=dict)  # key → tag acted on
    ignored: set[str] = field(default_factory=set)  # keys already reported as not usable

    @classmethod
    def parse(cls, text: str | None) -> "LogFilesCursor":
        if not text:
            return cls()
        data = json.loads(text)
        return cls(versions=data["versions"], ignored=set(data.get("ignored", [])))

    def dump(self) -> str:
        return json.dumps(
            {"versions": dict(sorted(self.versions.items())), "ignored": sorted(self.ignored)},
            separators=(",", ":"),
        )


def new_log_file_versions(
    listing: Iterable[FileVersion], cursor: LogFilesCursor
) -> tuple[list[FileVersion], LogFilesCursor]:
    """Versions not acted on yet, and the cursor that records them (listing order kept)."""
    new = [f for f in listing if cursor.versions.get(f.key) != f.tag]
    versions = dict(cursor.versions)
    versions.update({f.key: f.tag for f in new})
    return new, LogFilesCursor(versions=versions, ignored=set(cursor.ignored))


@dataclass(frozen=True)
class SongFilesCursor:
    newest: float = 0.0
    digest_at_newest: str = ""
    count: int = 0

    @classmethod
    def parse(cls, text: str | None) -> "SongFilesCursor":
        return cls(**json.loads(text)) if text else cls()

    def dump(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))


def song_files_state(listing: Iterable[FileVersion]) -> SongFilesCursor:
    newest, at_newest, count = 0.0, [], 0
    for f in listing:
        count += 1
        if f.modified > newest:
            newest, at_newest = f.modified, [f]
        elif f.modified == newest:
            at_newest.append(f)
    return SongFilesCursor(newest=newest, digest_at_newest=fingerprint(at_newest), count=count)


def song_files_changed(state: SongFilesCursor, cursor: SongFilesCursor) -> bool:
    return state.count > 0 and state != cursor
