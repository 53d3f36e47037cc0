"""A server we start on 127.0.0.1 for development, tests and demos: its process, from start (it
answers) to stop (nothing left behind). The local Kafka broker (streaming/broker.py) and the
Spark Connect server (spark_connect.py) are two; production points at its own."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self

LOCALHOST = "127.0.0.1"


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` (a second server would answer for the first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((LOCALHOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nothing listens on now, for a server of its own (tests, benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return probe.getsockname()[1]


class LocalServer:
    """One server process on 127.0.0.1:`port`, its output in `log_file`; a context manager that
    stops it. Subclasses say what to run (command, environment), when it answers, and which
    error to raise."""

    name = "the server"
    error: type[RuntimeError] = RuntimeError
    start_timeout_s = 20.0

    def __init__(self, port: int, log_file: Path | None = None) -> None:
        self.port = port
        self.log_file = log_file
        self._process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"{LOCALHOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str] | None:
        """The server's environment; None: this process's."""
        return None

    def answers(self, timeout_s: float) -> bool:
        """Whether the server is up and serving (a listening socket may not be enough)."""
        raise NotImplementedError

    def start(self, timeout_s: float | None = None) -> Self:
        """Starts the server and returns once it answers; `error` if it exits first or does not
        answer within `timeout_s` (default: start_timeout_s)."""
        timeout_s = self.start_timeout_s if timeout_s is None else timeout_s
        if self._process is not None:
            raise self.error(f"{self.name} on {self.address} is already started")
        if not port_is_free(self.port):
            raise self.error(f"port {self.port} on {LOCALHOST} is in use: pick another --port")
        log = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        try:
            # Its own process group: Ctrl-C in a terminal reaches us, and we stop it in order.
            self._process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                start_new_session=True,
            )
        finally:
            if self.log_file:
                log.close()
        deadline = time.monotonic() + timeout_s
        while not self.answers(timeout_s=0.5):
            if self._process.poll() is not None:
                code, self._process = self._process.returncode, None
                said = self._last_log_line() or "is the port in use?"
                raise self.error(f"{self.name} exited (code {code}) on {self.address}: {said}")
            if time.monotonic() > deadline:
                self.stop()
                raise self.error(
                    f"{self.name} on {self.address} did not answer in {timeout_s:.0f} s"
                )
            time.sleep(0.1)
        return self

    def _last_log_line(self) -> str:
        if not self.log_file or not self.log_file.is_file():
            return ""
        lines = self.log_file.read_text(errors="replace").strip().splitlines()
        return lines[-1].strip() if lines else ""

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM to its process group (a launcher and what it started), SIGKILL after
        `timeout_s`; a stopped server stays stopped."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def wait(self) -> int:
        """Blocks until the server exits by itself; its exit code."""
        if self._process is None:
            raise self.error(f"{self.name} is not started")
        return self._process.wait()

    def __enter__(self) -> Self:
        return self.start() if self._process is None else self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
