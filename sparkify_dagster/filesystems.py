"""The few file operations the lake and the raw-source lookups need, on two kinds of storage.

LocalFiles: a local (or mounted) directory, where a directory rename is atomic. HadoopFiles:
any URI Spark's Hadoop layer can open (s3:// on EMR through EMRFS, file:// anywhere), through
the running SparkSession; on an object store a rename is a copy, so a reader that lists a
partition during its swap can see it partly written. Paths are plain strings in both.

Importing this module does not import pyspark (only a URI needs Spark): the generator and the
sensors use these path helpers without loading PySpark.
"""

import os
import re
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

import pyarrow.parquet as pq

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]+:")


def is_uri(path: str) -> bool:
    """s3://b/k, file:///x, and Hadoop's own file:/x; not a plain path."""
    return bool(_SCHEME.match(path))


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


def split_s3_url(url: str) -> tuple[str, str]:
    """s3://bucket/prefix → (bucket, "prefix/"), the prefix empty or ending in "/"."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def walk_files(directory: str) -> Iterator[str]:
    """Every file under a local `directory` (any depth, symlinked folders not followed), in a
    stable order: a folder's files by name, then its subfolders by name. The one walker of local
    directories: the lake's file operations and the sensors' listings both use it."""
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        yield from (os.path.join(dirpath, n) for n in sorted(filenames))


def hidden(path: str) -> bool:
    """Names Spark and Hadoop skip: _SUCCESS, .crc files, _temporary and the like."""
    return path.rsplit("/", 1)[-1].startswith((".", "_"))


class LakeFiles(Protocol):
    def is_dir(self, path: str) -> bool: ...
    def is_file(self, path: str) -> bool: ...
    def files(self, directory: str, suffix: str) -> list[str]: ...
    def child_dirs(self, directory: str) -> list[str]: ...
    def child_files(self, directory: str) -> list[str]: ...
    def mkdirs(self, path: str) -> None: ...
    def rename(self, source: str, target: str) -> None: ...
    def delete(self, path: str) -> None: ...
    def copy_file(self, source: str, target: str) -> None: ...
    def move_into(self, source: str, target: str) -> None: ...
    def read_text(self, path: str) -> str: ...
    def write_text(self, path: str, text: str) -> None: ...
    def size(self, path: str) -> int: ...
    def head(self, path: str, length: int) -> bytes: ...
    def parquet_rows(self, path: str) -> int: ...
    def parquet_preview(self, path: str, rows: int) -> list[dict]: ...


class LocalFiles:
    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def is_file(self, path: str) -> bool:
        return os.path.isfile(path)

    def files(self, directory: str, suffix: str) -> list[str]:
        """Every file under `directory` (any depth) named *suffix, in a stable order."""
        return [path for path in walk_files(directory) if path.endswith(suffix)]

    def child_dirs(self, directory: str) -> list[str]:
        if not os.path.isdir(directory):
            return []
        return sorted(e.name for e in os.scandir(directory) if e.is_dir())

    def child_files(self, directory: str) -> list[str]:
        if not os.path.isdir(directory):
            return []
        return sorted(e.name for e in os.scandir(directory) if e.is_file())

    def mkdirs(self, path: str) -> None:
        os.makedirs(path, exist_ok=True)

    def rename(self, source: str, target: str) -> None:
        os.rename(source, target)

    def delete(self, path: str) -> None:
        """A directory with everything in it, or a file; nothing if there is none."""
        if os.path.isfile(path) or os.path.islink(path):
            os.remove(path)
        else:
            shutil.rmtree(path, ignore_errors=True)

    def copy_file(self, source: str, target: str) -> None:
        shutil.copyfile(source, target)

    def move_into(self, source: str, target: str) -> None:
        """`source` renamed to `target`, or, if an interrupted move left both, the files that
        `target` lacks moved over (a crash within an os.rename cannot leave both: it is atomic)."""
        if not os.path.exists(target):
            os.rename(source, target)
            return
        for path in self.files(source, ""):
            moved = os.path.join(target, os.path.relpath(path, source))
            if not os.path.exists(moved):
                os.makedirs(os.path.dirname(moved), exist_ok=True)
                os.replace(path, moved)
        self.delete(source)

    def read_text(self, path: str) -> str:
        with open(path, encoding="utf-8") as f:
            return f.read()

    def write_text(self, path: str, text: str) -> None:
        """Whole or not at all: written aside, then renamed over `path`."""
        partial = f"{path}.{os.getpid()}.tmp"
        with open(partial, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(partial, path)

    def size(self, path: str) -> int:
        return os.path.getsize(path)

    def head(self, path: str, length: int) -> bytes:
        with open(path, "rb") as handle:
            return handle.read(length)

    def parquet_rows(self, path: str) -> int:
        return pq.ParquetFile(path).metadata.num_rows

    def parquet_preview(self, path: str, rows: int) -> list[dict]:
        parquet = pq.ParquetFile(path)
        if not parquet.metadata.num_rows:
            return []
        # The first batch only: a whole row group of a big day is ~1 s to decode.
        first = next(parquet.iter_batches(batch_size=rows))
        return first.to_pylist()


class HadoopFiles:
    def __init__(self, session: "SparkSession"):
        self._session = session
        self._jvm = session.sparkContext._jvm
        self._conf = session.sparkContext._jsc.hadoopConfiguration()

    def _resolve(self, path: str):
        hadoop_path = self._jvm.org.apache.hadoop.fs.Path(path)
        return hadoop_path, hadoop_path.getFileSystem(self._conf)

    def is_dir(self, path: str) -> bool:
        p, fs = self._resolve(path)
        return fs.exists(p) and fs.getFileStatus(p).isDirectory()

    def is_file(self, path: str) -> bool:
        p, fs = self._resolve(path)
        return fs.exists(p) and fs.getFileStatus(p).isFile()

    def files(self, directory: str, suffix: str) -> list[str]:
        p, fs = self._resolve(directory)
        if not fs.exists(p):
            return []
        found, listing = [], fs.listFiles(p, True)
        while listing.hasNext():
            status = listing.next()
            name = status.getPath().getName()
            if name.endswith(suffix):
                found.append(status.getPath().toString())
        return sorted(found)

    def child_dirs(self, directory: str) -> list[str]:
        p, fs = self._resolve(directory)
        if not fs.exists(p):
            return []
        return sorted(s.getPath().getName() for s in fs.listStatus(p) if s.isDirectory())

    def child_files(self, directory: str) -> list[str]:
        p, fs = self._resolve(directory)
        if not fs.exists(p):
            return []
        return sorted(s.getPath().getName() for s in fs.listStatus(p) if s.isFile())

    def mkdirs(self, path: str) -> None:
        p, fs = self._resolve(path)
        fs.mkdirs(p)

    def rename(self, source: str, target: str) -> None:
        (src, fs), (dst, _) = self._resolve(source), self._resolve(target)
        if not fs.rename(src, dst):
            raise OSError(f"could not rename {source} to {target}")

    def delete(self, path: str) -> None:
        p, fs = self._resolve(path)
        fs.delete(p, True)

    def copy_file(self, source: str, target: str) -> None:
        (src, fs), (dst, _) = self._resolve(source), self._resolve(target)
        self._jvm.org.apache.hadoop.fs.FileUtil.copy(fs, src, fs, dst, False, self._conf)

    def move_into(self, source: str, target: str) -> None:
        """`source` renamed to `target`, or, where a rename that copies file by file (S3) was
        interrupted and left both, the files that `target` lacks moved over."""
        (src, fs), (dst, _) = self._resolve(source), self._resolve(target)
        if not fs.exists(dst):
            self.rename(source, target)
            return
        prefix = fs.getFileStatus(src).getPath().toString().rstrip("/") + "/"
        listing = fs.listFiles(src, True)
        while listing.hasNext():
            path = listing.next().getPath()
            moved = self._jvm.org.apache.hadoop.fs.Path(dst, path.toString()[len(prefix) :])
            if not fs.exists(moved):
                fs.mkdirs(moved.getParent())
                if not fs.rename(path, moved):
                    raise OSError(f"could not move {path.toString()} to {moved.toString()}")
        fs.delete(src, True)

    def read_text(self, path: str) -> str:
        p, fs = self._resolve(path)
        stream = fs.open(p)
        try:
            return self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
        finally:
            stream.close()

    def write_text(self, path: str, text: str) -> None:
        """One create: a single PUT on S3, so whole or not at all there."""
        p, fs = self._resolve(path)
        stream = fs.create(p, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def size(self, path: str) -> int:
        p, fs = self._resolve(path)
        return fs.getFileStatus(p).getLen()

    def head(self, path: str, length: int) -> bytes:
        p, fs = self._resolve(path)
        stream = fs.open(p)
        try:
            buffer = self._jvm.java.io.ByteArrayOutputStream()
            for _ in range(length):
                byte = stream.read()
                if byte < 0:
                    break
                buffer.write(byte)
            return bytes(buffer.toByteArray())
        finally:
            stream.close()

    def parquet_rows(self, path: str) -> int:
        """From the footer, like LocalFiles: no Spark job."""
        p, _ = self._resolve(path)
        parquet = self._jvm.org.apache.parquet.hadoop
        reader = parquet.ParquetFileReader.open(
            parquet.util.HadoopInputFile.fromPath(p, self._conf)
        )
        try:
            return reader.getRecordCount()
        finally:
            reader.close()

    def parquet_preview(self, path: str, rows: int) -> list[dict]:
        return [r.asDict() for r in self._session.read.parquet(path).limit(rows).collect()]


def files_for(root: str, session: "SparkSession | None" = None) -> LakeFiles:
    """LocalFiles for a directory, HadoopFiles (needs the session) for a URI."""
    if not is_uri(root):
        return LocalFiles()
    from pyspark.sql import SparkSession  # only a URI needs Spark (see the module's docstring)

    session = session or SparkSession.getActiveSession()
    if session is None:
        raise ValueError(f"{root}: a URI is read through Spark, and no SparkSession is running")
    return HadoopFiles(session)
