"""Code published once per content hash; stale clusters swept, and only ours (moto server)."""

import ast
import io
import shutil
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import boto3
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import sparkify_dagster
from sparkify_dagster.dbt_project import PROJECT_DIR
from sparkify_dagster.emr.packaging import CodePackage, package_zip, publish, step_requirements
from sparkify_dagster.emr.stale_clusters import find_stale_clusters
from sparkify_dagster.emr.tags import MANAGED_TAG, MANAGED_VALUE, RUN_ID_TAG
from sparkify_dagster.jobs import terminate_stale_clusters
from sparkify_dagster.resources.emr import EmrClusterResource
from sparkify_dagster_tests.emr.helpers import start_cluster


def _keys(bucket: str) -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def test_code_is_uploaded_once_per_content_hash(aws, s3_bucket, tmp_path):
    s3 = boto3.client("s3")
    artifacts = f"s3://{s3_bucket}/sparkify"
    package = CodePackage.build(python="python3.11")
    assert CodePackage.build(python="python3.11") == package  # reproducible bytes

    first = publish(s3, artifacts, package)
    assert set(first.uploaded) == {"bootstrap.sh", "run_step.py", "sparkify_dagster.zip"}
    head = s3.head_object(Bucket=s3_bucket, Key=f"sparkify/code/{package.content_hash}/run_step.py")
    again = publish(s3, artifacts, CodePackage.build(python="python3.11"))
    assert again.uploaded == () and again.prefix_uri == first.prefix_uri
    assert (
        s3.head_object(Bucket=s3_bucket, Key=f"sparkify/code/{package.content_hash}/run_step.py")[
            "LastModified"
        ]
        == head["LastModified"]
    )

    # One changed byte in the package: a new hash, a new upload beside the old one.
    changed = tmp_path / "sparkify_dagster"
    shutil.copytree(Path(sparkify_dagster.__file__).parent, changed)
    (changed / "steps" / "report.py").write_text(
        (changed / "steps" / "report.py").read_text() + "\n"
    )
    other = CodePackage.build(python="python3.11", package_dir=changed)
    assert other.content_hash != package.content_hash
    assert len(publish(s3, artifacts, other).uploaded) == 3
    assert len(_keys(s3_bucket)) == 6
    # The bootstrap installs what a step needs, pinned to the orchestrator's dagster-pipes.
    bootstrap = package.files["bootstrap.sh"].decode()
    assert "python3.11 -m pip install" in bootstrap and "'dagster-pipes==" in bootstrap
    # …and the package itself, from the zip the bootstrap action is given.
    action = first.bootstrap_action["ScriptBootstrapAction"]
    assert action["Args"] == [f"{first.prefix_uri}/sparkify_dagster.zip"]
    assert 'aws s3 cp "$1" /opt/sparkify/sparkify_dagster.zip' in bootstrap
    assert "sparkify_dagster.pth" in bootstrap


def test_the_code_package_holds_the_pipeline_and_not_the_generator_nor_the_dbt_project():
    names = zipfile.ZipFile(io.BytesIO(package_zip())).namelist()
    assert "sparkify_dagster/steps/entrypoint.py" in names
    assert {n.split("/", 1)[0] for n in names} == {"sparkify_dagster"}
    assert not [n for n in names if "generator" in n.split("/")]
    assert (PROJECT_DIR / "dbt_project.yml").is_file()
    assert not [n for n in names if n.startswith(f"sparkify_dagster/{PROJECT_DIR.name}/")]


# What EMR's Spark install provides to every step's Python.
_ON_EVERY_CLUSTER = {"pyspark", "py4j"}


def _imports_of_a_step(sources: dict[str, str]) -> dict[str, set[str]]:
    """Top-level package → the modules of ours that import it, over every module a step can
    reach from its entry point (imports inside functions too: a lazy import fails just the same
    on a node that lacks the package)."""
    external: dict[str, set[str]] = {}
    todo, seen = ["sparkify_dagster.steps.entrypoint"], set()
    while todo:
        module = todo.pop()
        path = module.replace(".", "/")
        name = next((n for n in (f"{path}.py", f"{path}/__init__.py") if n in sources), None)
        if module in seen or name is None:
            continue
        seen.add(module)
        package = module if name.endswith("__init__.py") else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(sources[name])):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for imported in names:
                top = imported.split(".")[0]
                if top == "sparkify_dagster":
                    todo.append(imported)
                elif top not in sys.stdlib_module_names:
                    external.setdefault(top, set()).add(module)
    assert "sparkify_dagster.steps.stream_ingest" in seen, "the walk missed the steps"
    return external


def _with_dependencies(names) -> set[str]:
    """The distributions pip installs for `names`: them and what they require (no extras),
    as installed here."""
    found, todo = set(), [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return found


def test_the_bootstrap_action_installs_every_package_a_step_imports():
    archive = zipfile.ZipFile(io.BytesIO(package_zip()))
    sources = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".py")}
    installed = _with_dependencies(Requirement(r).name for r in step_requirements())
    distributions = metadata.packages_distributions()
    missing = {
        top: sorted(importers)
        for top, importers in _imports_of_a_step(sources).items()
        if top not in _ON_EVERY_CLUSTER
        and not installed & {canonicalize_name(d) for d in distributions.get(top, [top])}
    }
    assert not missing, f"imported by steps, not installed on the nodes: {missing}"


def _state(cluster_id: str) -> str:
    return boto3.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]


def test_the_sweeper_terminates_only_our_clusters_that_are_too_old_or_idle(aws):
    ours = {MANAGED_TAG: MANAGED_VALUE, RUN_ID_TAG: "run-1"}
    idle = start_cluster("sparkify idle", ours)
    busy = start_cluster("sparkify busy", ours, with_step=True)
    foreign_idle = start_cluster("someone else's", {"team": "data"})
    emr = boto3.client("emr")

    def stale_at(hours_from_now: float) -> set[str]:
        now = datetime.now(UTC) + timedelta(hours=hours_from_now)
        found = find_stale_clusters(emr, now, max_age_hours=12, max_idle_hours=2)
        return {c.cluster_id for c in found} & {idle, busy, foreign_idle}

    assert stale_at(1) == set()  # young, not idle long
    assert stale_at(3) == {idle}  # idle 3 h > 2 h; the busy one runs a step
    assert stale_at(13) == {idle, busy}  # older than 12 h; never someone else's

    # The job terminates with its configured limits (idle limit 0: the idle one now).
    result = terminate_stale_clusters.execute_in_process(
        resources={"emr_cluster": EmrClusterResource()},
        run_config={"ops": {"terminate_stale_emr_clusters": {"config": {"max_idle_hours": 0}}}},
    )
    assert result.success
    assert (_state(idle), _state(busy), _state(foreign_idle)) == (
        "TERMINATED",
        "RUNNING",
        "WAITING",
    )
    terminated = result.output_for_node("terminate_stale_emr_clusters")
    assert terminated >= 1

    dry = terminate_stale_clusters.execute_in_process(
        resources={"emr_cluster": EmrClusterResource()},
        run_config={
            "ops": {
                "terminate_stale_emr_clusters": {"config": {"max_age_hours": 0, "dry_run": True}}
            }
        },
    )
    assert dry.success and _state(busy) == "RUNNING"
    assert dry.output_for_node("terminate_stale_emr_clusters") == 0
