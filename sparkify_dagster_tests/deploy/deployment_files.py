"""What the deployment files declare, read the way both deployment tests need them."""

from pathlib import Path

import yaml

from sparkify_dagster_tests.helpers import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
ENV_TEMPLATE = PROJECT_ROOT / "deploy" / "env.template"
INSTANCE_CONFIG = PROJECT_ROOT / "deploy" / "dagster.yaml"
WORKSPACE = PROJECT_ROOT / "deploy" / "workspace.yaml"
DAGSTER_SERVICES = ("user_code", "webserver", "daemon")  # long-running, in starting order
POOLS_SERVICE = "pools"  # once, before user_code


def compose_services() -> dict[str, dict]:
    """docker-compose.yml's services as written (anchors merged, ${...} not interpolated)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def dockerfile_environment() -> list[str]:
    """The names of the DAGSTER_* and SPARKIFY_* variables the Dockerfile's ENV sets."""
    names, in_env = [], False
    for line in DOCKERFILE.read_text().splitlines():
        in_env = line.startswith("ENV ") or (in_env and line.startswith(" "))
        if in_env:
            names += [w.split("=")[0] for w in line.removeprefix("ENV ").split() if "=" in w]
        in_env = in_env and line.rstrip().endswith("\\")
    return [n for n in names if n.startswith(("DAGSTER_", "SPARKIFY_"))]


def env_vars_read_by(config_file: Path) -> set[str]:
    """Every variable a Dagster YAML file reads with the `{env: NAME}` form."""
    found = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if set(node) == {"env"}:
                found.add(node["env"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(config_file.read_text()))
    return found
