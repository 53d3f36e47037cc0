"""One writer at a time on a lake: a lock every step's read-merge-write holds.

Two runs on one lake (two `sparkify run`s, a CLI run beside a UI run, a sensor's run beside a
backfill) would otherwise interleave their swaps: the users step of one merges into a state the
other is replacing, and users are lost with every check passing. Dagster's pool only counts runs
of one instance, so the lock lives in the lake itself, where every process that writes sees it.

- A local lake (a directory or a file:// URI): `<lake>/_lock`, held with fcntl.flock. The OS
  releases it when the holder dies, even by kill -9; the holder is written into the file so a
  waiting run can say whom it waits for.
- An s3:// lake: a lease object `<lake>/_lock`, created with a conditional write (IfNoneMatch)
  so only one of two runs gets it, renewed while held, and taken over (IfMatch on its ETag)
  only once it has expired: a holder that died without releasing it blocks others for at most
  LEASE_TTL_S. Expiry is judged on S3's clock (the object's LastModified against the response's
  Date), never on the hosts' clocks.

Not a library: `filelock` (installed with Dagster's dependencies) locks local files only and
does not keep the holder's identity in the lock; none covers an S3 lease. Both fit here in one
small module with one interface.
"""

import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from sparkify_dagster.filesystems import is_uri
from sparkify_dagster.settings import LAKE_LOCK_TIMEOUT_MINUTES

LOCK_NAME = "_lock"
POLL_S = 2.0
WAIT_MESSAGE_EVERY_S = 60.0
LEASE_TTL_S = 300.0  # an s3:// lease is renewed every third of this while held


class LakeBusyError(RuntimeError):
    """Another run held the lake for longer than this run would wait."""


class _Log(Protocol):
    def info(self, msg: str) -> Any: ...

    def warning(self, msg: str) -> Any: ...


def holder_record(run_id: str) -> dict:
    return {
        "run_id": run_id,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def describe_holder(holder: dict | None) -> str:
    """The holder as the wait and failure messages name it: run X since T (host H, pid P)."""
    if not holder:
        return "another run (it has not said which yet)"
    return (
        f"run {holder.get('run_id', '?')} since {holder.get('since', '?')} "
        f"(host {holder.get('host', '?')}, pid {holder.get('pid', '?')})"
    )


class _FileLock:
    def __init__(self, directory: str):
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, LOCK_NAME)
        self._fd: int | None = None

    def try_acquire(self, holder: dict) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        self._fd = fd
        return True

    def holder(self) -> dict | None:
        try:
            with open(self.path, encoding="utf-8") as f:
                return json.loads(f.read())
        except (OSError, ValueError):
            return None  # between a new holder's lock and its write

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _error_code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


# A conditional write that lost: the object exists / changed, or a concurrent write won.
_LOST = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


class _S3Lease:
    def __init__(self, uri: str, client, ttl_s: float, log: _Log):
        parsed = urlparse(uri)
        self.bucket, self.key = parsed.netloc, f"{parsed.path.strip('/')}/{LOCK_NAME}".lstrip("/")
        self._client, self._ttl_s, self._log = client, ttl_s, log
        self._etag: str | None = None
        self._holder: dict = {}
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def try_acquire(self, holder: dict) -> bool:
        from botocore.exceptions import ClientError

        self._holder = holder
        try:
            put = self._client.put_object(
                Bucket=self.bucket, Key=self.key, Body=self._body(), IfNoneMatch="*"
            )
        except ClientError as error:
            if _error_code(error) not in _LOST:
                raise
            current = self._current()
            if current is None or not current[2]:
                return False
            try:  # expired: take it over, unless another run just did
                put = self._client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=self._body(), IfMatch=current[1]
                )
            except ClientError as error:
                if _error_code(error) not in _LOST:
                    raise
                return False
            self._log.warning(
                f"Took over the expired lease of {describe_holder(current[0])} on the lake"
            )
        self._etag = put["ETag"]
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, daemon=True, name="lake-lease")
        self._renewer.start()
        return True

    def _body(self) -> bytes:
        """The holder, and when written: every write has a new ETag, so a run that read the
        lease before a renewal cannot take it over with IfMatch after it."""
        written = datetime.now(UTC).isoformat()
        return json.dumps({**self._holder, "ttl_s": self._ttl_s, "written": written}).encode()

    def _current(self) -> tuple[dict | None, str, bool] | None:
        """(holder, ETag, expired) of the lease object, or None if it has just gone."""
        from botocore.exceptions import ClientError

        try:
            got = self._client.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as error:
            if _error_code(error) in ("NoSuchKey", "404"):
                return None
            raise
        try:
            holder = json.loads(got["Body"].read())
        except ValueError:
            holder = None
        date = got["ResponseMetadata"].get("HTTPHeaders", {}).get("date")
        now = parsedate_to_datetime(date) if date else datetime.now(UTC)
        ttl_s = float((holder or {}).get("ttl_s", self._ttl_s))
        # Both times are to the second: a second of slack, or a fresh lease could look old.
        expired = (now - got["LastModified"]).total_seconds() > ttl_s + 1
        return holder, got["ETag"], expired

    def _renew(self) -> None:
        from botocore.exceptions import ClientError

        while not self._stop.wait(self._ttl_s / 3):
            try:
                put = self._client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=self._body(), IfMatch=self._etag
                )
                self._etag = put["ETag"]
            except ClientError as error:
                if _error_code(error) in _LOST:
                    self._log.warning(
                        f"Lost the lease on the lake (s3://{self.bucket}/{self.key}): another "
                        "run took it over after it expired; this step's writes may interleave"
                    )
                    return
                self._log.warning(f"Could not renew the lake lease ({error}); retrying")

    def holder(self) -> dict | None:
        current = self._current()
        return current[0] if current else None

    def release(self) -> None:
        from botocore.exceptions import ClientError

        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        if self._etag is not None:
            try:
                self._client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=self._etag)
            except ClientError as error:
                if _error_code(error) not in _LOST:
                    raise
            self._etag = None


def _lock_for(lake_root: str, log: _Log, s3_client, lease_ttl_s: float):
    if not is_uri(lake_root):
        return _FileLock(os.path.abspath(os.path.expanduser(lake_root)))
    scheme = lake_root.split(":", 1)[0].lower()
    if scheme == "file":
        return _FileLock(unquote(urlparse(lake_root).path))
    if scheme in ("s3", "s3a", "s3n"):
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        return _S3Lease(lake_root, s3_client, lease_ttl_s, log)
    raise ValueError(f"{lake_root}: no lake lock for {scheme}:// (local, file:// and s3:// have)")


@contextmanager
def lake_lock(
    lake_root: str,
    run_id: str,
    log: _Log,
    timeout_s: float = LAKE_LOCK_TIMEOUT_MINUTES.default * 60,
    poll_s: float = POLL_S,
    s3_client=None,
    lease_ttl_s: float = LEASE_TTL_S,
) -> Iterator[None]:
    """Hold the lake for the block; wait for another holder up to `timeout_s`, then fail.

    Raises LakeBusyError("lake <root> in use by run X since T ...") when the wait runs out.
    """
    lock = _lock_for(str(lake_root), log, s3_client, lease_ttl_s)
    me = holder_record(run_id)
    deadline = time.monotonic() + timeout_s
    next_message = time.monotonic()
    while not lock.try_acquire(me):
        holder = describe_holder(lock.holder())
        if time.monotonic() >= deadline:
            raise LakeBusyError(f"lake {lake_root} in use by {holder}")
        if time.monotonic() >= next_message:
            log.info(f"lake {lake_root} in use by {holder}; waiting (up to {timeout_s:.0f} s)")
            next_message = time.monotonic() + WAIT_MESSAGE_EVERY_S
        time.sleep(poll_s)
    try:
        yield
    finally:
        lock.release()
