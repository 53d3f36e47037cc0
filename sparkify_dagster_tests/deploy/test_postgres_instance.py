"""The compose deployment, proven without containers (no Docker engine runs here or in CI).

The same three Dagster services as docker-compose.yml (their command lines and environment
variable names read from it, hosts and ports made local) run as processes against a real
PostgreSQL server on 127.0.0.1, with DAGSTER_HOME holding deploy/dagster.yaml unchanged and
deploy/workspace.yaml pointing at the gRPC server. What differs from the containers: the
processes share this machine's venv instead of the image, and `nobody` runs PostgreSQL.

Proven: the pools service sets each pool's limit before any run, and Dagster still needs it to;
a partition run launched through the webserver's GraphQL API is queued, dequeued by the
daemon, succeeds, and its events are rows in Postgres; compose's healthchecks pass; restarting
the daemon with one run in flight and one queued loses neither and duplicates nothing; README's
upgrade, backup and restore commands work on the live instance. Skips only when no PostgreSQL server is installed
(`make test` installs one: scripts/ensure-postgres.sh).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml

from sparkify_dagster.assets.star import USER_STATE_POOL
from sparkify_dagster.assets.warehouse import WAREHOUSE_POOL
from sparkify_dagster.jobs import daily_star_schema_job, song_catalogue_job
from sparkify_dagster.local_server import free_port
from sparkify_dagster_tests.deploy.deployment_files import (
    DAGSTER_SERVICES,
    INSTANCE_CONFIG,
    POOLS_SERVICE,
    compose_services,
    dockerfile_environment,
)
from sparkify_dagster_tests.deploy.postgres_server import (
    PostgresServer,
    find_postgres_bindir,
    postgres_server,
)
from sparkify_dagster_tests.helpers import (
    DAILY_ASSET_KEYS,
    PROJECT_ROOT,
    UNPARTITIONED_ASSET_KEYS,
    local_asset_graph,
    warehouse_asset_keys,
)
from sparkify_dagster_tests.webserver_client import Webserver
from sparkify_generator import generate_lake, open_sink

pytestmark = pytest.mark.slow

DAYS = [date(2018, 11, 5) + timedelta(days=i) for i in range(2)]
VENV_BIN = Path(sys.executable).parent
COMPOSE_STOP_TIMEOUT_S = 10  # `docker compose stop`'s default
DEQUEUE_INTERVAL_SECONDS = yaml.safe_load(INSTANCE_CONFIG.read_text())["run_coordinator"]["config"][
    "dequeue_interval_seconds"
]


class Services:
    """The Dagster services as process groups, each logging to its own file (appended)."""

    def __init__(self, commands: dict[str, list[str]], envs: dict[str, dict], logs: Path):
        self.commands, self.envs, self.logs_dir = commands, envs, logs
        self.processes: dict[str, subprocess.Popen] = {}

    def log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def start(self, name: str) -> None:
        with self.log(name).open("a") as out:
            self.processes[name] = subprocess.Popen(
                self.commands[name],
                cwd=self.logs_dir,
                env=self.envs[name],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, name: str) -> None:
        """SIGTERM to the whole group, as `docker compose stop` does; SIGKILL after its
        default timeout (docker-compose.yml sets no stop_grace_period)."""
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(COMPOSE_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)


def pool_limits(postgres: PostgresServer) -> list[tuple]:
    """(pool, limit, whether the limit is the instance's default) of each pool Postgres holds."""
    return sorted(
        postgres.query(
            'SELECT concurrency_key, "limit", using_default_limit FROM concurrency_limits'
        )
    )


@dataclass
class Deployment:
    webserver: Webserver
    postgres: PostgresServer
    services: Services
    env: dict[str, str]
    pool_limits_before_runs: list[tuple]
    launched: list[str] = field(default_factory=list)

    def launch(self, job: str, partition: date | None = None) -> str:
        tags = {"dagster/partition": partition.isoformat()} if partition else {}
        run_id = self.webserver.launch_run(job, tags)
        self.launched.append(run_id)
        return run_id

    def succeeded(self, run_id: str) -> bool:
        return self.webserver.wait_for_run(run_id) == "SUCCESS"

    def event_types(self, run_id: str) -> Counter:
        """How many events of each type (by DagsterEventType name) Postgres holds for the run.

        Stored values keep legacy names (RUN_START is stored as PIPELINE_START).
        """
        rows = self.postgres.query(
            "SELECT dagster_event_type, count(*) FROM event_logs WHERE run_id = %s "
            "AND dagster_event_type IS NOT NULL GROUP BY dagster_event_type",
            (run_id,),
        )
        return Counter({dg.DagsterEventType(stored).name: count for stored, count in rows})


def local_command(argv: list[str], ports: dict[str, int]) -> list[str]:
    """A compose command line, run here: venv executables, 127.0.0.1, free ports, repo paths."""
    local = [str(VENV_BIN / argv[0]), *argv[1:]]
    for port, free in ports.items():  # URLs, as in the webserver's healthcheck
        local = [arg.replace(f"127.0.0.1:{port}/", f"127.0.0.1:{free}/") for arg in local]
    for i, arg in enumerate(local[:-1]):
        value = local[i + 1]
        if arg == "--host":
            local[i + 1] = "127.0.0.1"
        elif arg == "--port":
            local[i + 1] = str(ports[value])
        elif arg == "--workspace":
            assert value.startswith("/opt/dagster/app/"), value  # the image's WORKDIR
            local[i + 1] = str(PROJECT_ROOT / value.removeprefix("/opt/dagster/app/"))
    return local


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, shared_spark):
    bindir = find_postgres_bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server installed: `make test` installs one (scripts/ensure-postgres.sh)"
        )
    work = tmp_path_factory.mktemp("deployment")
    home, source, lake, storage = (work / d for d in ("home", "raw", "lake", "storage"))
    home.mkdir()
    shutil.copy(INSTANCE_CONFIG, home / "dagster.yaml")
    generate_lake(
        open_sink(str(source)),
        start=DAYS[0],
        days=len(DAYS),
        events_per_day=1_500,
        songs=100,
        seed=8,
    )
    grpc_port, web_port = free_port(), free_port()
    ports = {"4000": grpc_port, "3000": web_port}  # compose's → this machine's
    compose = compose_services()
    with postgres_server(bindir) as postgres:
        # A value for every variable compose or the Dockerfile sets: a KeyError here means
        # the deployment gained a variable this test does not provide.
        local_values = {
            "DAGSTER_HOME": str(home),
            "DAGSTER_STORAGE_DIR": str(storage),
            "DAGSTER_COMPUTE_LOGS_DIR": str(storage / "compute_logs"),
            "DAGSTER_POSTGRES_USER": postgres.user,
            "DAGSTER_POSTGRES_PASSWORD": postgres.password,
            "DAGSTER_POSTGRES_DB": postgres.db_name,
            "DAGSTER_POSTGRES_HOST": postgres.host,
            "DAGSTER_POSTGRES_PORT": str(postgres.port),
            "SPARKIFY_CODE_SERVER_HOST": "127.0.0.1",
            "SPARKIFY_CODE_SERVER_PORT": str(grpc_port),
            "SPARKIFY_SOURCE": str(source),
            "SPARKIFY_LAKE": str(lake),
            "SPARKIFY_SPARK_DRIVER_MEMORY": "1g",
            "SPARKIFY_AUTOMATION": "off",
            "SPARKIFY_ENV": "local",
            "SPARKIFY_DASHBOARD_URL": "http://127.0.0.1:8501",
            "SPARKIFY_START_DATE": "",
            "SPARKIFY_AWS_REGION": "",
            "SPARKIFY_EMR_ARTIFACTS_URI": "",
            "SPARKIFY_EMR_LOG_URI": "",
            "SPARKIFY_EMR_SUBNET_ID": "",
            "SPARKIFY_SONG_SOURCE": "",
            "SPARKIFY_KAFKA_TOPICS": "",
            "SPARKIFY_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
            "SPARKIFY_KAFKA_SASL_MECHANISM": "",
            "SPARKIFY_KAFKA_SASL_USERNAME": "",
            "SPARKIFY_KAFKA_SASL_PASSWORD": "",
            "SPARKIFY_KAFKA_SASL_SECRET": "",
            "SPARKIFY_STREAM_INTERVAL_MINUTES": "5",
        }
        outside = {
            k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPARKIFY_"))
        }
        image_env = {k: local_values[k] for k in dockerfile_environment()}
        envs = {
            name: {
                **outside,
                # Not the deployment's: the runs' Spark is the tests' own, warm.
                **shared_spark,
                **image_env,
                **{k: local_values[k] for k in compose[name]["environment"]},
            }
            for name in (POOLS_SERVICE, *DAGSTER_SERVICES)
        }
        services = Services(
            {name: local_command(compose[name]["command"], ports) for name in DAGSTER_SERVICES},
            envs,
            work,
        )
        logs = [services.log(name) for name in DAGSTER_SERVICES] + [postgres.log]
        webserver = Webserver(f"http://127.0.0.1:{web_port}", logs)
        healthchecks = {
            name: local_command(compose[name]["healthcheck"]["test"][1:], ports)
            for name in DAGSTER_SERVICES
        }

        def healthy(name: str) -> bool:
            check = subprocess.run(healthchecks[name], env=envs[name], capture_output=True)
            return check.returncode == 0

        try:
            # In compose's order: the pools' limits once, then user_code; webserver and daemon
            # once user_code's healthcheck passes; then every service's own healthcheck passes.
            pools = subprocess.run(
                local_command(compose[POOLS_SERVICE]["command"], ports),
                env=envs[POOLS_SERVICE],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert pools.returncode == 0, pools.stdout + pools.stderr
            limits_before_runs = pool_limits(postgres)
            services.start("user_code")
            webserver.wait_for("the user_code healthcheck", lambda: healthy("user_code"), 180)
            services.start("webserver")
            services.start("daemon")
            webserver.wait_for("the code location", webserver.loaded_location, 180)
            for name in ("webserver", "daemon"):
                webserver.wait_for(f"the {name} healthcheck", lambda n=name: healthy(n), 120)
            deployed = Deployment(webserver, postgres, services, envs["daemon"], limits_before_runs)
            # Daily runs read songs and artists: the catalogue first.
            catalogue = deployed.launch(song_catalogue_job.name)
            assert deployed.succeeded(catalogue), webserver.log_tails()
            yield deployed
        finally:
            services.stop_all()


@pytest.fixture(scope="module")
def daemon_restart(deployment) -> str:
    """One partition run in flight and one launched while the daemon is stopped, then the
    daemon started again and both waited for (each run here costs ~30 s: the tests share them);
    the id of the run that waited in the queue. Both are in `deployment.launched`."""
    webserver, services = deployment.webserver, deployment.services
    in_flight = deployment.launch(daily_star_schema_job.name, DAYS[0])
    webserver.wait_for("the run to start", lambda: webserver.run_status(in_flight) == "STARTED")
    services.stop("daemon")

    queued = deployment.launch(daily_star_schema_job.name, DAYS[1])
    time.sleep(2 * DEQUEUE_INTERVAL_SECONDS + 2)
    assert webserver.run_status(queued) == "QUEUED", "something but the daemon dequeued a run"
    services.start("daemon")
    for run_id in (in_flight, queued):
        assert deployment.succeeded(run_id), webserver.log_tails()
    return queued


def test_a_partition_run_queued_through_the_webserver_succeeds_with_its_events_in_postgres(
    deployment, daemon_restart
):
    run_id = daemon_restart
    events = deployment.event_types(run_id)
    # Through the QueuedRunCoordinator: enqueued by the webserver, launched (RUN_STARTING)
    # by the daemon once dequeued (daemon_restart shows nothing else dequeues).
    for event_type in ("RUN_ENQUEUED", "RUN_STARTING", "RUN_START", "RUN_SUCCESS"):
        assert events[event_type] == 1, (event_type, dict(events))
    materialized = deployment.postgres.query(
        "SELECT asset_key, partition FROM event_logs "
        "WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
        (run_id,),
    )
    # The star tables, then the warehouse's models, in the same run.
    models = {key.to_user_string() for key in warehouse_asset_keys(local_asset_graph())}
    assert sorted(materialized) == sorted(
        (json.dumps([key]), DAYS[1].isoformat()) for key in DAILY_ASSET_KEYS | models
    )
    # The pools of `users` and of the dbt build have the instance's default limit of 1 (one run
    # at a time merges users, one writes the DuckDB file), as in `make dev`; set explicitly by
    # the pools service before any run, so no run gave them one (test_dagster_still_fails_…).
    pools = [(USER_STATE_POOL, 1, False), (WAREHOUSE_POOL, 1, False)]
    assert deployment.pool_limits_before_runs == pools
    assert pool_limits(deployment.postgres) == pools


def test_restarting_the_daemon_loses_no_run_and_duplicates_none(deployment, daemon_restart):
    runs = deployment.postgres.query("SELECT run_id, status FROM runs")
    assert sorted(runs) == sorted((run_id, "SUCCESS") for run_id in deployment.launched)
    for run_id in deployment.launched:
        events = deployment.event_types(run_id)
        for event_type in ("RUN_ENQUEUED", "RUN_STARTING", "RUN_START", "RUN_SUCCESS"):
            assert events[event_type] == 1, (run_id, event_type, dict(events))
    materializations = deployment.postgres.query(
        "SELECT asset_key, partition, count(*) FROM event_logs "
        "WHERE dagster_event_type = 'ASSET_MATERIALIZATION' GROUP BY asset_key, partition"
    )
    assert all(count == 1 for _, _, count in materializations), materializations
    assert {(key, partition) for key, partition, _ in materializations} >= {
        (json.dumps([k]), d.isoformat()) for k in DAILY_ASSET_KEYS for d in DAYS
    } | {(json.dumps([k]), None) for k in UNPARTITIONED_ASSET_KEYS}


def test_readme_upgrade_and_backup_commands_work_on_the_live_instance(deployment, tmp_path):
    migrate = subprocess.run(
        [str(VENV_BIN / "dagster"), "instance", "migrate"],
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    # README's backup (pg_dump, custom format) and restore (pg_restore --clean), into a new DB.
    postgres = deployment.postgres
    dump = tmp_path / "dagster.dump"
    client = {"env": {**os.environ, "PGPASSWORD": postgres.password}, "check": True, "timeout": 120}
    server = ["--host", postgres.host, "--port", str(postgres.port), "--username", postgres.user]
    backup = [str(postgres.bindir / "pg_dump"), *server, "--format=custom", f"--file={dump}"]
    subprocess.run([*backup, postgres.db_name], **client)
    postgres.query_autocommit('CREATE DATABASE "restored"')
    restore = [str(postgres.bindir / "pg_restore"), *server, "--clean", "--if-exists"]
    subprocess.run([*restore, "--dbname=restored", str(dump)], **client)
    restored = postgres.query("SELECT run_id FROM runs", db_name="restored")
    assert sorted(run_id for (run_id,) in restored) == sorted(deployment.launched)


GIVE_A_POOL_ITS_DEFAULT_TWICE = """
import dagster as dg
with dg.DagsterInstance.get() as instance:
    storage = instance.event_log_storage
    try:
        for _ in range(2):  # what two runs' steps do when they first claim a slot at once
            storage.initialize_concurrency_limit_to_default("canary")
    except Exception as error:
        print(type(error.__cause__ or error).__name__)
    finally:
        storage.delete_concurrency_limit("canary")
"""


def test_dagster_still_fails_to_give_a_postgres_pool_its_default_twice(deployment):
    """Why the pools service exists (dagster-io/dagster#33552, sparkify_dagster/pools.py):
    once this fails, Dagster has fixed it, and the service can go."""
    done = subprocess.run(
        [sys.executable, "-c", GIVE_A_POOL_ITS_DEFAULT_TWICE],
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["InFailedSqlTransaction"]
