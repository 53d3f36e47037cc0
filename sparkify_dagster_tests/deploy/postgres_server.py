"""A real, throw-away PostgreSQL server on 127.0.0.1 for the deployment test.

initdb and postgres refuse to run as root, and CI runs as root: the server then runs as the
unprivileged user `nobody`, its data directory a fresh temporary directory that user owns.
Password authentication (scram-sha-256) over TCP, as the compose deployment uses it.
"""

import contextlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from sparkify_dagster.local_server import free_port

# Server binaries live off PATH on Debian/Ubuntu and RHEL; newest version first.
_BINDIR_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin")


def find_postgres_bindir() -> Path | None:
    """The directory holding initdb and postgres, or None when no server is installed."""
    on_path = shutil.which("initdb")  # resolved: a symlink's directory may lack pg_dump
    candidates = [Path(on_path).resolve().parent] if on_path else []

    def version(bindir: Path) -> int:  # /usr/lib/postgresql/15/bin, /usr/pgsql-15/bin
        match = re.search(r"\d+", bindir.parent.name)
        return int(match.group()) if match else 0

    for pattern in _BINDIR_GLOBS:
        candidates += sorted(Path("/").glob(pattern.lstrip("/")), key=version, reverse=True)
    return next(
        (d for d in candidates if (d / "initdb").is_file() and (d / "postgres").is_file()), None
    )


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    db_name: str
    bindir: Path
    log: Path

    def connect(self, db_name: str | None = None):
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=db_name or self.db_name,
        )

    def query(self, sql: str, params: tuple = (), db_name: str | None = None) -> list[tuple]:
        with (
            contextlib.closing(self.connect(db_name)) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
            return cursor.fetchall()

    def query_autocommit(self, sql: str) -> None:
        """A statement that cannot run in a transaction (CREATE DATABASE), on `postgres`."""
        with contextlib.closing(self.connect("postgres")) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)


def _run_as_kwargs() -> dict:
    """Popen arguments that drop root to `nobody`; nothing when not root."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


@contextlib.contextmanager
def postgres_server(bindir: Path, db_name: str = "dagster") -> Iterator[PostgresServer]:
    """Start a new cluster with one password-protected user and database; stop and delete it."""
    run_as = _run_as_kwargs()
    # Not under pytest's tmp dir: that one is private to root, and the server runs as nobody.
    root = Path(tempfile.mkdtemp(prefix="sparkify-postgres-"))
    process = None
    try:
        if run_as:
            os.chown(root, run_as["user"], run_as["group"])
        data, password_file, log = root / "data", root / "password", root / "postgres.log"
        password = secrets.token_urlsafe(24)
        password_file.write_text(password)
        if run_as:
            os.chown(password_file, run_as["user"], run_as["group"])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        subprocess.run(
            [
                str(bindir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                "dagster",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--no-locale",
                "--encoding=UTF8",
                "--no-sync",
            ],
            env=env,
            cwd=root,
            check=True,
            capture_output=True,
            **run_as,
        )
        port = free_port()
        with log.open("w") as out:
            process = subprocess.Popen(
                [
                    str(bindir / "postgres"),
                    "-D",
                    str(data),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-k",
                    "",  # no Unix socket: TCP with a password only
                    # A throw-away cluster: durability buys nothing here, speed does.
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                ],
                env=env,
                cwd=root,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **run_as,
            )
        server = PostgresServer("127.0.0.1", port, "dagster", password, db_name, bindir, log)
        _wait_until_accepting(server, process)
        server.query_autocommit(f'CREATE DATABASE "{db_name}"')
        yield server
    finally:
        if process is not None:
            process.terminate()  # "smart" shutdown is SIGTERM; the clients are gone by now
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_accepting(server: PostgresServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            server.connect("postgres").close()
            return
        except psycopg2.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"PostgreSQL did not start:\n{server.log.read_text()[-3000:]}"
                ) from None
            time.sleep(0.3)
