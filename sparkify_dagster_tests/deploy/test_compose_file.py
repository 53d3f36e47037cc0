"""docker-compose.yml, checked without a Docker engine (none runs here or in CI).

The validator is Compose's own `config` command, which parses the file, interpolates it from an
env file and checks it against the compose-spec JSON schema without contacting an engine:
`docker compose` (Docker's plugin) when installed, else Debian's `docker-compose` 1.29 (what
`make test` installs, scripts/ensure-compose.sh; that test skips, saying so, when neither is
there). The other tests read the files with PyYAML and check what the deployment promises:
healthcheck-ordered services, only the UI published and only on 127.0.0.1, state on volumes,
every variable Dagster's config reads provided, no secret in the env template.
"""

import re
import shutil
import subprocess

import pytest
import yaml

from sparkify_dagster_tests.deploy.deployment_files import (
    COMPOSE_FILE,
    DAGSTER_SERVICES,
    DOCKERFILE,
    ENV_TEMPLATE,
    INSTANCE_CONFIG,
    POOLS_SERVICE,
    WORKSPACE,
    compose_services,
    dockerfile_environment,
    env_vars_read_by,
)

PASSWORD_MESSAGE = "set DAGSTER_POSTGRES_PASSWORD in .env"


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def _compose_config(env_file) -> subprocess.CompletedProcess:
    """`compose config` on the project, settings from env_file only (not this shell's)."""
    return subprocess.run(
        [
            *_compose_command(),
            "--project-directory",
            str(COMPOSE_FILE.parent),
            "--file",
            str(COMPOSE_FILE),
            "--env-file",
            str(env_file),
            "config",
        ],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _template_settings() -> dict[str, str]:
    lines = ENV_TEMPLATE.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


needs_compose = pytest.mark.skipif(
    _compose_command() is None,
    reason="no `docker compose` or `docker-compose`: `make test` installs Debian's "
    "docker-compose (scripts/ensure-compose.sh)",
)


@needs_compose
def test_compose_config_accepts_the_file_with_the_env_template_filled_in(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        ENV_TEMPLATE.read_text().replace(
            "DAGSTER_POSTGRES_PASSWORD=\n", "DAGSTER_POSTGRES_PASSWORD=only-for-this-test\n"
        )
    )
    result = _compose_config(env_file)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {"postgres", POOLS_SERVICE, *DAGSTER_SERVICES, "dashboard"}
    for name in (POOLS_SERVICE, *DAGSTER_SERVICES):
        environment = resolved["services"][name]["environment"]
        assert environment["DAGSTER_POSTGRES_PASSWORD"] == "only-for-this-test"


@needs_compose
def test_compose_refuses_the_env_template_until_a_password_is_set():
    result = _compose_config(ENV_TEMPLATE)
    assert result.returncode != 0
    assert PASSWORD_MESSAGE in result.stderr


def test_env_template_lists_every_setting_and_holds_no_secret():
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    settings = _template_settings()
    assert set(settings) == used
    assert settings["DAGSTER_POSTGRES_PASSWORD"] == ""
    assert all(value == "" for name, value in settings.items() if "PASSWORD" in name)
    assert PASSWORD_MESSAGE in COMPOSE_FILE.read_text()
    ignored = COMPOSE_FILE.parent / ".gitignore", COMPOSE_FILE.parent / ".dockerignore"
    for ignore_file in ignored:
        assert ".env" in ignore_file.read_text().splitlines(), ignore_file


def test_services_start_in_healthcheck_order_and_restart_themselves():
    services = compose_services()
    pools = services.pop(POOLS_SERVICE)
    assert set(services) == {"postgres", *DAGSTER_SERVICES, "dashboard"}
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name
    healthy = {"condition": "service_healthy"}
    # The pools' limits are set once, before the code server (and so any run) starts.
    assert pools["restart"] == "no" and "healthcheck" not in pools
    assert pools["command"] == ["sparkify", "pools"]
    assert pools["depends_on"] == {"postgres": healthy}
    completed = {"condition": "service_completed_successfully"}
    assert services["user_code"]["depends_on"] == {"postgres": healthy, POOLS_SERVICE: completed}
    for name in ("webserver", "daemon"):
        assert services[name]["depends_on"] == {"postgres": healthy, "user_code": healthy}


def test_only_the_webserver_and_the_dashboard_are_published_and_only_on_127_0_0_1():
    published = {name: s["ports"] for name, s in compose_services().items() if "ports" in s}
    assert sorted(published) == ["dashboard", "webserver"]
    for ports in published.values():
        assert all(port.startswith("127.0.0.1:") for port in ports)


def test_the_dashboard_reads_the_lake_read_only_from_the_one_image():
    services = compose_services()
    dashboard = services["dashboard"]
    assert dashboard["image"] == services["user_code"]["image"]
    assert dashboard["pull_policy"] == "never"
    assert dashboard["volumes"] == ["lake:/data/lake:ro"]
    assert "depends_on" not in dashboard  # the read copy is a file: no database, no code server
    command = dashboard["command"]
    assert command[:2] == ["sparkify", "dashboard"]
    assert command[command.index("--lake") + 1] == "/data/lake"
    # Inside the container on every interface, so the port published on 127.0.0.1 reaches it.
    port = command[command.index("--port") + 1]
    assert dashboard["ports"] == [f"127.0.0.1:${{DASHBOARD_PORT:-{port}}}:{port}"]
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_one_image_runs_the_dagster_services_with_state_on_volumes():
    services = compose_services()
    images = {services[name]["image"] for name in (POOLS_SERVICE, *DAGSTER_SERVICES)}
    assert len(images) == 1
    # Built once, by user_code; the others never try to pull it from a registry.
    assert [name for name in services if "build" in services[name]] == ["user_code"]
    assert all(
        services[name]["pull_policy"] == "never"
        for name in (POOLS_SERVICE, "webserver", "daemon", "dashboard")
    )

    def mounts(name: str) -> dict[str, str]:
        """Target → source[:mode] (a source may hold ':' itself: ${VAR:-default})."""
        pairs = (re.fullmatch(r"(.+):(/[^:]*)((?::ro)?)", v) for v in services[name]["volumes"])
        return {m[2]: m[1] + m[3] for m in pairs}

    assert mounts("postgres") == {"/var/lib/postgresql/data": "postgres_data"}
    # Runs (in user_code) write the lake and compute logs; the webserver shows the logs.
    assert mounts("user_code")["/data/lake"] == "lake"
    assert mounts("user_code")["/data/raw"] == "${SPARKIFY_RAW_DIR:-./data/raw}:ro"
    for name in DAGSTER_SERVICES:
        assert mounts(name)["/opt/dagster/storage"] == "dagster_storage"
    declared = yaml.safe_load(COMPOSE_FILE.read_text())["volumes"]
    assert set(declared) == {"postgres_data", "dagster_storage", "lake"}
    dockerfile = DOCKERFILE.read_text()
    for setting in (
        "SPARKIFY_LAKE=/data/lake",
        "SPARKIFY_SOURCE=/data/raw",
        "DAGSTER_COMPUTE_LOGS_DIR=/opt/dagster/storage/",
    ):
        assert setting in dockerfile


def test_every_variable_the_dagster_config_reads_is_set_in_every_dagster_service():
    needed = env_vars_read_by(INSTANCE_CONFIG) | env_vars_read_by(WORKSPACE)
    assert {"DAGSTER_POSTGRES_PASSWORD", "SPARKIFY_CODE_SERVER_HOST"} <= needed
    services = compose_services()
    for name in (POOLS_SERVICE, *DAGSTER_SERVICES):
        provided = set(services[name]["environment"]) | set(dockerfile_environment())
        assert needed <= provided, (name, needed - provided)


def test_instance_queues_runs_and_limits_the_user_state_pool_to_one():
    config = yaml.safe_load(INSTANCE_CONFIG.read_text())
    assert set(config["storage"]) == {"postgres"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_launcher"]["class"] == "DefaultRunLauncher"
    assert config["concurrency"]["runs"]["max_concurrent_runs"] >= 1
    assert config["concurrency"]["pools"]["default_limit"] == 1  # `users`: sparkify_user_state
    assert config["run_monitoring"]["enabled"] is True
    assert config["telemetry"]["enabled"] is False


def test_user_code_passes_only_declared_settings_with_usable_defaults():
    """A misspelt variable would be ignored without a word: each one user_code gets must be a
    setting (or one the Dagster config reads), and its compose default must load."""
    from sparkify_dagster.settings import VARIABLES, Settings

    environment = compose_services()["user_code"]["environment"]
    config_reads = env_vars_read_by(INSTANCE_CONFIG) | env_vars_read_by(WORKSPACE)
    passed = {k: v for k, v in environment.items() if k.startswith("SPARKIFY_")}
    settings = {k: v for k, v in passed.items() if k not in config_reads}
    assert set(settings) <= {v.name for v in VARIABLES}, set(settings) - {v.name for v in VARIABLES}
    defaults = {k: re.fullmatch(r"\$\{\w+:-(.*)\}", v)[1] for k, v in settings.items()}
    loaded = Settings.from_env(defaults)
    assert (loaded.env, loaded.automation, loaded.lake) == ("local", False, "/data/lake")


def test_the_image_copies_every_package_the_project_installs():
    import tomllib

    from sparkify_dagster_tests.helpers import PROJECT_ROOT

    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    found = pyproject["tool"]["setuptools"]["packages"]["find"]
    packages = {p.rstrip("*") for p in found["include"]} - {p.rstrip("*") for p in found["exclude"]}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", DOCKERFILE.read_text(), re.MULTILINE))
    assert packages == copied
