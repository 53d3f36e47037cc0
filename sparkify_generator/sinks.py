"""Where a generated lake goes: a local directory or an S3 prefix.

Files appear whole or not at all (a sensor must never see half a day): local files are renamed
into place, S3 objects are uploaded from a finished local spool file.
"""

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from sparkify_dagster.filesystems import split_s3_url
from sparkify_dagster.layout import LOG_DATA, SONG_DATA

_PARTS = (SONG_DATA, LOG_DATA)


class LakeSink(Protocol):
    def describe(self) -> str: ...

    def fresh(self) -> "LakeSink":
        """An equivalent sink with its own connections (for use in a forked process)."""
        ...

    def holds_a_lake(self) -> bool: ...

    def clear(self) -> None: ...

    def write_text_files(self, files: Iterable[tuple[str, str]]) -> None: ...

    def open_file(self, relative: str) -> AbstractContextManager[BinaryIO]: ...


class LocalSink:
    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def fresh(self) -> "LocalSink":
        return self

    def holds_a_lake(self) -> bool:
        return any((self.root / part).exists() for part in _PARTS)

    def clear(self) -> None:
        for part in _PARTS:
            shutil.rmtree(self.root / part, ignore_errors=True)

    def write_text_files(self, files: Iterable[tuple[str, str]]) -> None:
        made: set[Path] = set()
        for relative, text in files:
            path = self.root / relative
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            partial = path.with_name(path.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)

    @contextmanager
    def open_file(self, relative: str) -> Iterator[BinaryIO]:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as out:
            yield out
        os.replace(partial, path)


class S3Sink:
    """Writes through boto3; `endpoint_url` points it at any S3 API (a moto server in tests)."""

    def __init__(self, url: str, endpoint_url: str | None = None, threads: int = 16) -> None:
        import boto3

        bucket, prefix = split_s3_url(url)
        if not bucket:
            raise ValueError(f"{url!r} names no bucket: use s3://bucket/prefix")
        self.url, self.endpoint_url = url, endpoint_url
        self.bucket, self.prefix, self.threads = bucket, prefix.rstrip("/"), threads
        self.client = boto3.client("s3", endpoint_url=endpoint_url)

    def fresh(self) -> "S3Sink":
        return S3Sink(self.url, endpoint_url=self.endpoint_url, threads=self.threads)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def _keys(self, part: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(part) + "/"
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def holds_a_lake(self) -> bool:
        return any(next(self._keys(part), None) is not None for part in _PARTS)

    def clear(self) -> None:
        for part in _PARTS:
            keys = list(self._keys(part))
            for i in range(0, len(keys), 1000):
                self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]], "Quiet": True},
                )

    def write_text_files(self, files: Iterable[tuple[str, str]]) -> None:
        def put(item: tuple[str, str]) -> None:
            relative, text = item
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(relative), Body=text.encode("utf-8")
            )

        with ThreadPoolExecutor(self.threads) as pool:
            for _ in pool.map(put, files):
                pass

    @contextmanager
    def open_file(self, relative: str) -> Iterator[BinaryIO]:
        with tempfile.TemporaryDirectory(prefix="sparkify-generate-") as spool_dir:
            spool = Path(spool_dir) / "part"
            with spool.open("wb") as out:
                yield out
            self.client.upload_file(str(spool), self.bucket, self._key(relative))


def open_sink(out: str, endpoint_url: str | None = None) -> LakeSink:
    """A sink for a directory path or an s3://bucket/prefix URL."""
    if out.startswith("s3://"):
        return S3Sink(out, endpoint_url=endpoint_url)
    return LocalSink(Path(out).expanduser().resolve())
