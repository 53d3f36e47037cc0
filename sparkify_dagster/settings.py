"""Every `SPARKIFY_*` environment variable, read here and nowhere else.

Each variable is declared once (name, default, type, meaning); `Settings.from_env()` reads them
all once into a frozen object that the wiring (definitions.build_definitions) passes on, so no
other module reads the environment and tests pass a dict. An empty value counts as unset (a
compose file passes `VAR=` for "the default"). Other modules name a variable through its
declaration (`EMR_LOG_URI.name`), and README's configuration table is checked against VARIABLES.
Pure Python: imported on EMR nodes too.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any
from urllib.parse import unquote, urlparse

from sparkify_dagster.streaming import streamify

ENVIRONMENTS = ("local", "emr")
_ON = ("on", "1", "true", "yes")
_OFF = ("off", "0", "false", "no")


class SettingsError(ValueError):
    """A variable's value cannot be used; the message names it in one line."""


def _environment(text: str) -> str:
    env = text.strip().lower()
    if env not in ENVIRONMENTS:
        raise ValueError(f"expected one of {', '.join(ENVIRONMENTS)}")
    return env


def _switch(text: str) -> bool:
    value = text.strip().lower()
    if value not in _ON + _OFF:
        raise ValueError(f"expected on or off ({', '.join(_ON)} / {', '.join(_OFF)})")
    return value in _ON


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("expected a date as YYYY-MM-DD") from None


def _integer(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ValueError("expected a whole number") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"expected a whole number from {low} to {high if high else '…'}")
        return value

    return parse


def _number(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError("expected a number") from None


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise ValueError("expected one or more names, comma-separated")
    return names


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().upper()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return parse


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, typed default (None: unset), parser and meaning."""

    name: str
    default: Any
    doc: str
    parse: Callable[[str], Any] = str

    @property
    def default_text(self) -> str:
        """The default as it would be written in the environment ("" when there is none)."""
        if self.default is None:
            return ""
        if isinstance(self.default, bool):
            return "on" if self.default else "off"
        if isinstance(self.default, date):
            return self.default.isoformat()
        if isinstance(self.default, tuple):
            return ",".join(self.default)
        return str(self.default)

    def given(self, environ: Mapping[str, str] | None = None) -> Any:
        """The typed value set in `environ` (the process's by default), or None when unset."""
        text = (os.environ if environ is None else environ).get(self.name, "")
        if not text.strip():
            return None
        try:
            return self.parse(text)
        except ValueError as error:
            raise SettingsError(f"{self.name}={text!r}: {error}") from None

    def value(self, environ: Mapping[str, str] | None = None) -> Any:
        """The typed value set in `environ`, or the default."""
        given = self.given(environ)
        return self.default if given is None else given


# The dashboard (`sparkify dashboard`): where people open it; the marts' Dagster assets link there.
DASHBOARD_URL = Variable(
    "SPARKIFY_DASHBOARD_URL",
    "http://127.0.0.1:8501",
    "where the dashboard is served (the marts' assets in Dagster link to it)",
)
ENV = Variable("SPARKIFY_ENV", "local", "where the Spark steps run: `local` or `emr`", _environment)
SOURCE = Variable(
    "SPARKIFY_SOURCE",
    "data/raw",
    "directory or s3:// URL with song_data/, log_data/; or kafka://HOST:PORT: events from Kafka",
)
LAKE = Variable("SPARKIFY_LAKE", "data/lake", "directory or s3:// URL of the output lake")
# Unset, the warehouse is a file in a local lake (WAREHOUSE_IN_LAKE); an s3:// lake has none.
WAREHOUSE = Variable(
    "SPARKIFY_WAREHOUSE", None, "the DuckDB file the dbt warehouse is built in (local path)"
)
WAREHOUSE_IN_LAKE = "warehouse/sparkify.duckdb"
# Unset, the daily partitions start at the sample's first day, and `sparkify run` at its data's.
SAMPLE_FIRST_DAY = date(2018, 11, 1)
START_DATE = Variable("SPARKIFY_START_DATE", None, "first daily partition", _day)
AUTOMATION = Variable("SPARKIFY_AUTOMATION", False, "schedules and sensors start running", _switch)
SCHEDULE_HOUR_UTC = Variable(
    "SPARKIFY_SCHEDULE_HOUR_UTC", 1, "hour (UTC) of the daily schedule", _integer(0, 23)
)
FRESHNESS_DEADLINE_CRON = Variable(
    "SPARKIFY_FRESHNESS_DEADLINE_CRON", "0 7 * * *", "when a day's star tables are due (UTC)"
)
FRESHNESS_WINDOW_HOURS = Variable(
    "SPARKIFY_FRESHNESS_WINDOW_HOURS",
    7,
    "hours before the deadline a materialization counts",
    _number,
)
SPARK_MASTER = Variable("SPARKIFY_SPARK_MASTER", "local[*]", "Spark master URL")
SPARK_DRIVER_MEMORY = Variable("SPARKIFY_SPARK_DRIVER_MEMORY", "4g", "driver heap")
SPARK_JAVA_OPTIONS = Variable(
    "SPARKIFY_SPARK_JAVA_OPTIONS",
    None,
    "extra JVM options of the local Spark driver, e.g. `-XX:TieredStopAtLevel=1 "
    "-XX:+UseSerialGC`: a run of a few small days takes about a quarter less time (the tests "
    "use it); leave unset for big days",
)
SPARK_CLASS_ARCHIVE = Variable(
    "SPARKIFY_SPARK_CLASS_ARCHIVE",
    True,
    "start the local Spark driver's JVM from the class archive `sparkify class-archive` writes "
    "(`make test` and `make dev` write it): a new run process starts ~10 s sooner",
    _switch,
)
SPARK_REMOTE = Variable(
    "SPARKIFY_SPARK_REMOTE",
    None,
    "a Spark Connect server, `sc://HOST:PORT`: runs use its long-lived, warm Spark instead of "
    "starting their own (`sparkify spark-server` starts one on this machine)",
)
LAKE_LOCK_TIMEOUT_MINUTES = Variable(
    "SPARKIFY_LAKE_LOCK_TIMEOUT_MINUTES",
    30,
    "how long a step waits for another run's step on the same lake",
    _integer(0),
)
S3_ENDPOINT_URL = Variable(
    "SPARKIFY_S3_ENDPOINT_URL", None, "S3 API endpoint (e.g. a moto server) instead of AWS's"
)
AWS_REGION = Variable("SPARKIFY_AWS_REGION", None, "region of the EMR cluster and buckets")
EMR_ARTIFACTS_URI = Variable(
    "SPARKIFY_EMR_ARTIFACTS_URI", None, "s3:// prefix for the code package and Pipes messages"
)
EMR_LOG_URI = Variable("SPARKIFY_EMR_LOG_URI", None, "s3:// URI for cluster and step logs")
EMR_CLUSTER_ID = Variable(
    "SPARKIFY_EMR_CLUSTER_ID", None, "attach to this running cluster instead of creating one"
)
EMR_RELEASE_LABEL = Variable(
    "SPARKIFY_EMR_RELEASE_LABEL", "emr-spark-8.0.0", "EMR release (Spark 4 needed)"
)
EMR_MASTER_INSTANCE_TYPE = Variable(
    "SPARKIFY_EMR_MASTER_INSTANCE_TYPE", "m5.xlarge", "master node instance type"
)
EMR_CORE_INSTANCE_TYPE = Variable(
    "SPARKIFY_EMR_CORE_INSTANCE_TYPE", "m5.xlarge", "core node instance type"
)
EMR_CORE_INSTANCE_COUNT = Variable(
    "SPARKIFY_EMR_CORE_INSTANCE_COUNT", 2, "core (worker) nodes", _integer(1)
)
EMR_SUBNET_ID = Variable("SPARKIFY_EMR_SUBNET_ID", None, "subnet of the cluster")
EMR_JOB_FLOW_ROLE = Variable(
    "SPARKIFY_EMR_JOB_FLOW_ROLE", "EMR_EC2_DefaultRole", "EC2 instance profile of the nodes"
)
EMR_SERVICE_ROLE = Variable("SPARKIFY_EMR_SERVICE_ROLE", "EMR_DefaultRole", "EMR service role")
EMR_IDLE_TIMEOUT_MINUTES = Variable(
    "SPARKIFY_EMR_IDLE_TIMEOUT_MINUTES", 60, "idle auto-termination of a cluster", _integer(1)
)
EMR_PYTHON = Variable("SPARKIFY_EMR_PYTHON", "python3.11", "the Python steps run with on EMR")
EMR_STEP_TIMEOUT_MINUTES = Variable(
    "SPARKIFY_EMR_STEP_TIMEOUT_MINUTES", 120, "an EMR step is cancelled after this", _integer(1)
)


# ---- Kafka: the streaming source (Streamify's topics) ------------------------------------------
# Any Kafka (MSK, Confluent, Redpanda, the local Tansu of `sparkify broker`); unset, no stream.
KAFKA_BOOTSTRAP_SERVERS = Variable(
    "SPARKIFY_KAFKA_BOOTSTRAP_SERVERS", None, "Kafka brokers to ingest from, HOST:PORT[,HOST:PORT]"
)
KAFKA_TOPICS = Variable(
    "SPARKIFY_KAFKA_TOPICS",
    streamify.TOPICS,
    "the topics ingested into the raw zone, comma-separated",
    _names,
)
KAFKA_SECURITY_PROTOCOL = Variable(
    "SPARKIFY_KAFKA_SECURITY_PROTOCOL",
    "PLAINTEXT",
    "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
    _choice("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
)
KAFKA_SASL_MECHANISM = Variable(
    "SPARKIFY_KAFKA_SASL_MECHANISM", None, "SASL mechanism, e.g. PLAIN, SCRAM-SHA-512"
)
KAFKA_SASL_USERNAME = Variable("SPARKIFY_KAFKA_SASL_USERNAME", None, "SASL user name")
KAFKA_SASL_PASSWORD = Variable("SPARKIFY_KAFKA_SASL_PASSWORD", None, "SASL password (a secret)")
KAFKA_SASL_SECRET = Variable(
    "SPARKIFY_KAFKA_SASL_SECRET",
    None,
    "AWS Secrets Manager secret (ARN or name) holding the SASL user name and password as JSON "
    '{"username": …, "password": …} (MSK\'s SCRAM form), instead of the two settings; read '
    "where the consumer starts (on EMR, with the cluster's instance profile)",
)
# SASL mechanisms that log in with a user name and password (librdkafka's sasl.username/password).
PASSWORD_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# A lake whose SOURCE is kafka://HOST:PORT takes its events from the topics (through the raw zone),
# its songs from SONG_SOURCE, and ingests every STREAM_INTERVAL_MINUTES.
KAFKA_SOURCE_SCHEME = "kafka://"
SONG_SOURCE = Variable(
    "SPARKIFY_SONG_SOURCE",
    None,
    "directory or s3:// URL with song_data/ when the source is kafka:// (default: the source)",
)
STREAM_INTERVAL_MINUTES = Variable(
    "SPARKIFY_STREAM_INTERVAL_MINUTES",
    5,
    "with a kafka:// source: a micro-batch every this many minutes",
    _integer(1, 59),
)


def kafka_source_servers(source: str) -> str | None:
    """The bootstrap servers of a kafka://HOST:PORT[,HOST:PORT] source; None for files."""
    if not source.startswith(KAFKA_SOURCE_SCHEME):
        return None
    servers = source[len(KAFKA_SOURCE_SCHEME) :].strip("/")
    if not servers:
        raise SettingsError(f"{SOURCE.name}={source!r} names no broker: kafka://HOST:PORT")
    return servers


# ruff: noqa: RUF009 - _from returns a dataclasses.field, as field() does: no shared default.
def _from(variable: Variable):
    return field(default=variable.default, metadata={"variable": variable})


@dataclass(frozen=True)
class Settings:
    """The configuration of one code location or CLI run; `Settings()` is every default."""

    env: str = _from(ENV)
    source: str = _from(SOURCE)
    lake: str = _from(LAKE)
    warehouse: str | None = _from(WAREHOUSE)
    start_date: date | None = _from(START_DATE)
    automation: bool = _from(AUTOMATION)
    schedule_hour_utc: int = _from(SCHEDULE_HOUR_UTC)
    freshness_deadline_cron: str = _from(FRESHNESS_DEADLINE_CRON)
    freshness_window_hours: float = _from(FRESHNESS_WINDOW_HOURS)
    spark_master: str = _from(SPARK_MASTER)
    spark_driver_memory: str = _from(SPARK_DRIVER_MEMORY)
    spark_java_options: str | None = _from(SPARK_JAVA_OPTIONS)
    spark_class_archive: bool = _from(SPARK_CLASS_ARCHIVE)
    spark_remote: str | None = _from(SPARK_REMOTE)
    lake_lock_timeout_minutes: int = _from(LAKE_LOCK_TIMEOUT_MINUTES)
    s3_endpoint_url: str | None = _from(S3_ENDPOINT_URL)
    aws_region: str | None = _from(AWS_REGION)
    emr_artifacts_uri: str | None = _from(EMR_ARTIFACTS_URI)
    emr_log_uri: str | None = _from(EMR_LOG_URI)
    emr_cluster_id: str | None = _from(EMR_CLUSTER_ID)
    emr_release_label: str = _from(EMR_RELEASE_LABEL)
    emr_master_instance_type: str = _from(EMR_MASTER_INSTANCE_TYPE)
    emr_core_instance_type: str = _from(EMR_CORE_INSTANCE_TYPE)
    emr_core_instance_count: int = _from(EMR_CORE_INSTANCE_COUNT)
    emr_subnet_id: str | None = _from(EMR_SUBNET_ID)
    emr_job_flow_role: str = _from(EMR_JOB_FLOW_ROLE)
    emr_service_role: str = _from(EMR_SERVICE_ROLE)
    emr_idle_timeout_minutes: int = _from(EMR_IDLE_TIMEOUT_MINUTES)
    emr_python: str = _from(EMR_PYTHON)
    emr_step_timeout_minutes: int = _from(EMR_STEP_TIMEOUT_MINUTES)
    kafka_bootstrap_servers: str | None = _from(KAFKA_BOOTSTRAP_SERVERS)
    kafka_topics: tuple[str, ...] = _from(KAFKA_TOPICS)
    kafka_security_protocol: str = _from(KAFKA_SECURITY_PROTOCOL)
    kafka_sasl_mechanism: str | None = _from(KAFKA_SASL_MECHANISM)
    kafka_sasl_username: str | None = _from(KAFKA_SASL_USERNAME)
    kafka_sasl_password: str | None = field(
        default=KAFKA_SASL_PASSWORD.default,
        metadata={"variable": KAFKA_SASL_PASSWORD},
        repr=False,  # a secret: never in logs or reprs
    )
    kafka_sasl_secret: str | None = _from(KAFKA_SASL_SECRET)
    dashboard_url: str = _from(DASHBOARD_URL)
    song_source: str | None = _from(SONG_SOURCE)
    stream_interval_minutes: int = _from(STREAM_INTERVAL_MINUTES)

    @property
    def stream_servers(self) -> str | None:
        """Kafka's bootstrap servers when the source is kafka://HOST:PORT (a streamed lake)."""
        return kafka_source_servers(self.source)

    @property
    def songs_source(self) -> str:
        """Where song_data/ is read from: SONG_SOURCE, else the source (a directory of files)."""
        return self.song_source or self.source

    @property
    def first_partition_day(self) -> date:
        return self.start_date or SAMPLE_FIRST_DAY

    @property
    def warehouse_file(self) -> str | None:
        """The warehouse's DuckDB file: as set, or `<lake>/warehouse/sparkify.duckdb` for a local
        lake; None for an s3:// lake without a setting (DuckDB here cannot write to S3)."""
        if self.warehouse:
            return self.warehouse
        parsed = urlparse(self.lake)
        if len(parsed.scheme) > 1 and parsed.scheme != "file":  # one letter: a Windows drive
            return None
        lake = unquote(parsed.path) if parsed.scheme == "file" else self.lake
        return os.path.join(lake, WAREHOUSE_IN_LAKE)

    def kafka_client_config(self, bootstrap_servers: str | None = None) -> dict[str, str]:
        """librdkafka's connection settings (confluent-kafka's config dict) from these settings;
        `bootstrap_servers` overrides the setting (a CLI option). The SASL login from the
        secret, when one is named, is read here: where the client starts."""
        servers = bootstrap_servers or self.kafka_bootstrap_servers or self.stream_servers
        if not servers:
            raise SettingsError(f"{KAFKA_BOOTSTRAP_SERVERS.name} is not set: no Kafka to talk to")
        username, password = self.kafka_sasl_username, self.kafka_sasl_password
        if self.kafka_logs_in_with_sasl and self.kafka_sasl_secret:
            if username or password:
                raise SettingsError(
                    f"{KAFKA_SASL_SECRET.name} and {KAFKA_SASL_USERNAME.name}/"
                    f"{KAFKA_SASL_PASSWORD.name} are both set: the login comes from one of them"
                )
            from sparkify_dagster.aws_secrets import read_sasl_login

            username, password = read_sasl_login(self.kafka_sasl_secret, self.aws_region)
        if self.kafka_logs_in_with_password and not password:
            raise SettingsError(
                f"SASL {self.kafka_sasl_mechanism} needs a password: set {KAFKA_SASL_SECRET.name}"
                f" (on EMR, where a password set here never travels), or "
                f"{KAFKA_SASL_USERNAME.name} and {KAFKA_SASL_PASSWORD.name}"
            )
        config = {"bootstrap.servers": servers, "security.protocol": self.kafka_security_protocol}
        for key, value in (
            ("sasl.mechanism", self.kafka_sasl_mechanism),
            ("sasl.username", username),
            ("sasl.password", password),
        ):
            if value:
                config[key] = value
        return config

    @property
    def kafka_logs_in_with_sasl(self) -> bool:
        """The SASL settings apply under a SASL_… protocol only (librdkafka ignores them else)."""
        return self.kafka_security_protocol.startswith("SASL_")

    @property
    def kafka_logs_in_with_password(self) -> bool:
        return self.kafka_logs_in_with_sasl and self.kafka_sasl_mechanism in PASSWORD_MECHANISMS

    def kafka_password_stays_behind(self) -> bool:
        """Whether a micro-batch on a cluster this platform creates would log in without a
        password: a password set here never travels there, and such a cluster has none of its
        own; only a secret's login is read on it."""
        return (
            self.env == "emr"
            and self.emr_cluster_id is None
            and self.kafka_logs_in_with_password
            and not self.kafka_sasl_secret
        )

    def kafka_security_without_password(self) -> dict[str, str]:
        """The Kafka security settings set here (not their defaults), but the password, as
        variables: what a step sent to a cluster carries, to lay over the settings there, each
        variable set here replacing the cluster's; the password is the cluster's, or is read
        there from the secret."""
        shared = (
            KAFKA_SECURITY_PROTOCOL,
            KAFKA_SASL_MECHANISM,
            KAFKA_SASL_USERNAME,
            KAFKA_SASL_SECRET,
            AWS_REGION,  # the secret's, when it is named by name, not ARN
        )
        values = {f.metadata["variable"]: getattr(self, f.name) for f in fields(self)}
        return {v.name: str(values[v]) for v in shared if values[v] not in (None, v.default)}

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, str] | None = None
    ) -> "Settings":
        """Every variable read once from `environ` (the process's environment by default), or
        from `overrides` where it sets one (a request's settings, laid over a machine's)."""
        environ = {**(os.environ if environ is None else environ), **(overrides or {})}
        return cls(**{f.name: f.metadata["variable"].value(environ) for f in fields(cls)})


VARIABLES: tuple[Variable, ...] = tuple(f.metadata["variable"] for f in fields(Settings))
