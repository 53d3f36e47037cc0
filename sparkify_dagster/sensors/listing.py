"""What is in the raw lake right now: file versions under log_data/ or song_data/, local or S3.

A version is a key plus a tag that changes whenever the file is written again: size and mtime
(ns) on disk; ETag and LastModified on S3 (a re-upload of the same bytes is a new version).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sparkify_dagster.filesystems import split_s3_url, walk_files
from sparkify_dagster.layout import being_written


@dataclass(frozen=True)
class FileVersion:
    key: str  # path relative to the source root, "/"-separated, e.g. log_data/2018/11/x.json
    tag: str
    modified: float  # epoch seconds (S3: whole seconds)

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


def list_local(root: str | Path, part: str) -> Iterator[FileVersion]:
    """Files under root/part (any depth); files still being written are left out."""
    base = Path(root)
    for found in walk_files(str(base / part)):
        if being_written(found):
            continue
        path = Path(found)
        try:
            stat = path.stat()
        except FileNotFoundError:  # replaced between listing and stat: next tick sees it
            continue
        yield FileVersion(
            key=path.relative_to(base).as_posix(),
            tag=f"{stat.st_size}-{stat.st_mtime_ns}",
            modified=stat.st_mtime,
        )


def list_s3(client, url: str, part: str) -> Iterator[FileVersion]:
    """Objects under s3://bucket/prefix/part/, paginated."""
    bucket, prefix = split_s3_url(url)
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{prefix}{part}/"
    )
    for page in pages:
        for item in page.get("Contents", []):
            modified = item["LastModified"]
            yield FileVersion(
                key=item["Key"].removeprefix(prefix),
                tag=f"{item['ETag'].strip(chr(34))}-{int(modified.timestamp())}",
                modified=modified.timestamp(),
            )
