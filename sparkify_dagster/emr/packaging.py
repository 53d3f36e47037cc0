"""The project's code on S3 for EMR steps, keyed by its content hash: an unchanged build is
uploaded once, and a cluster always runs exactly the code the orchestrator has.

Three objects under <artifacts>/code/<hash>/: the package as a zip (shipped to the driver and
executors with --py-files), the spark-submit entry script, and the bootstrap action that
installs the Python and the few libraries a step needs on every node (no Dagster: steps talk
to the orchestrator through the small dagster-pipes package).
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import sparkify_dagster
from sparkify_dagster.dbt_project import PROJECT_DIR
from sparkify_dagster.filesystems import split_s3_url

ZIP_NAME = "sparkify_dagster.zip"
ENTRY_NAME = "run_step.py"
BOOTSTRAP_NAME = "bootstrap.sh"
# Fixed timestamps make the zip's bytes (and so its hash) depend on file contents only.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

ENTRY_SCRIPT = """\
# spark-submit entry point of a sparkify step (see sparkify_dagster/steps/entrypoint.py).
import sys

from sparkify_dagster.steps.entrypoint import main

sys.exit(main())
"""


# What a step imports besides Spark, our package and dagster-pipes: confluent-kafka for the
# stream's micro-batch, whose Kafka source runs on the nodes (streaming/source.py). A test walks
# the steps' imports in the zip and fails on one that nothing here installs.
_STEP_LIBRARIES = ("pyarrow", "numpy", "boto3", "confluent-kafka")


def _declared(library: str) -> str:
    """`library` with the versions this package declares for it (pyproject.toml)."""
    for line in metadata.requires(sparkify_dagster.DISTRIBUTION) or []:
        requirement = Requirement(line)
        if requirement.marker is None and canonicalize_name(requirement.name) == library:
            return f"{library}{requirement.specifier}"
    raise LookupError(f"{sparkify_dagster.DISTRIBUTION} does not declare {library}")


def step_requirements() -> list[str]:
    """What a step imports besides Spark and our package: dagster-pipes pinned to the
    orchestrator's version (the two sides speak to each other), the rest as we declare them."""
    return [
        f"dagster-pipes=={metadata.version('dagster-pipes')}",
        *(_declared(library) for library in _STEP_LIBRARIES),
    ]


def bootstrap_script(python: str) -> str:
    requirements = " ".join(f"'{r}'" for r in step_requirements())
    return f"""\
#!/bin/bash
# EMR bootstrap action, run on every node before any step: the Python steps run with
# ({python}; Amazon Linux 2023 packages it), the libraries they import besides Spark, and our
# package (argument 1: the s3:// URI of its zip) installed on that Python's path. Each step
# also ships the zip with --py-files, so a step always runs the code it was submitted with.
set -euxo pipefail
if ! command -v {python} >/dev/null 2>&1; then
  sudo dnf install -y {python} {python}-pip
fi
sudo {python} -m pip install --quiet {requirements}
sudo mkdir -p /opt/sparkify
sudo aws s3 cp "$1" /opt/sparkify/{ZIP_NAME}
site_packages=$({python} -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo /opt/sparkify/{ZIP_NAME} | sudo tee "$site_packages/sparkify_dagster.pth"
"""


def package_zip(package_dir: Path | None = None) -> bytes:
    """The package's files in a zip with sorted names and fixed timestamps (reproducible).

    Not the dbt project (with its target/): the warehouse is built by the orchestrator, never
    by a step, and its artifacts would change the hash on every parse."""
    root = Path(package_dir or Path(sparkify_dagster.__file__).parent)
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix not in (".pyc", ".pyo")
        and p.relative_to(root).parts[0] != PROJECT_DIR.name
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            name = f"{root.name}/{path.relative_to(root).as_posix()}"
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


@dataclass(frozen=True)
class CodePackage:
    content_hash: str
    files: dict[str, bytes]  # name → bytes

    @classmethod
    def build(cls, python: str, package_dir: Path | None = None) -> "CodePackage":
        files = {
            ZIP_NAME: package_zip(package_dir),
            ENTRY_NAME: ENTRY_SCRIPT.encode(),
            BOOTSTRAP_NAME: bootstrap_script(python).encode(),
        }
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        return cls(content_hash=digest.hexdigest()[:20], files=files)


@dataclass(frozen=True)
class PublishedCode:
    """Where a CodePackage lives on S3, and how a step uses it."""

    prefix_uri: str  # s3://bucket/<artifacts>/code/<hash>
    uploaded: tuple[str, ...]  # names uploaded by this call (empty: all were there already)

    def uri(self, name: str) -> str:
        return f"{self.prefix_uri}/{name}"

    @property
    def bootstrap_action(self) -> dict:
        return {
            "Name": "sparkify step requirements",
            "ScriptBootstrapAction": {
                "Path": self.uri(BOOTSTRAP_NAME),
                "Args": [self.uri(ZIP_NAME)],
            },
        }

    def spark_submit_args(self, python: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
        return [
            "spark-submit",
            "--deploy-mode",
            "client",
            "--conf",
            f"spark.pyspark.python={python}",
            "--conf",
            f"spark.pyspark.driver.python={python}",
            # As the local SparkResource: JVMs in UTC whatever the nodes' zone.
            "--conf",
            "spark.driver.extraJavaOptions=-Duser.timezone=UTC",
            "--conf",
            "spark.executor.extraJavaOptions=-Duser.timezone=UTC",
            *extra,
            "--py-files",
            self.uri(ZIP_NAME),
            self.uri(ENTRY_NAME),
        ]


def publish(s3_client, artifacts_uri: str, package: CodePackage) -> PublishedCode:
    """Upload what is missing under the package's hash; objects already there are kept."""
    bucket, prefix = split_s3_url(artifacts_uri)
    key_prefix = f"{prefix}code/{package.content_hash}"
    uploaded = []
    for name, body in sorted(package.files.items()):
        key = f"{key_prefix}/{name}"
        if _exists(s3_client, bucket, key):
            continue
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)
        uploaded.append(name)
    return PublishedCode(prefix_uri=f"s3://{bucket}/{key_prefix}", uploaded=tuple(uploaded))


def _exists(s3_client, bucket: str, key: str) -> bool:
    try:
        s3_client.head_object(Bucket=bucket, Key=key)
    except s3_client.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True
