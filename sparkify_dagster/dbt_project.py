"""The dbt warehouse's files, outside Dagster: where the project is, which DuckDB file it builds,
the vars dbt gets, and the read copy readers open.

DuckDB lets one process hold a database file for writing and then blocks every other process,
readers included. So dbt writes `Settings.warehouse_file` (the build file) while holding the lake lock,
and after each successful build the file is copied whole and renamed over `<name>_read.duckdb`
(`publish_read_copy`): readers (`sparkify query`, dashboards) open that copy read-only, are never
blocked by a build and never see a half-built table; a failed build leaves the previous copy.
"""

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from sparkify_dagster.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parent / "warehouse"
PROFILE, TARGET = "sparkify", "local"
AWS_SECTION = "README: Warehouse, on AWS"


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be built or read with these settings; the message says why."""


@dataclass(frozen=True)
class Warehouse:
    """A local lake and the DuckDB file its warehouse is built in."""

    lake: Path
    file: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> "Warehouse":
        """Raises WarehouseUnavailable for an s3:// lake: DuckDB here reads local files only."""
        parsed = urlparse(settings.lake)
        file = settings.warehouse_file
        if (len(parsed.scheme) > 1 and parsed.scheme != "file") or file is None:
            raise WarehouseUnavailable(
                f"The warehouse is built by DuckDB over a local lake, and the lake is "
                f"{settings.lake}: on S3, run the dbt project with dbt-athena or dbt-spark "
                f"({AWS_SECTION})."
            )
        lake = unquote(parsed.path) if parsed.scheme == "file" else settings.lake
        return cls(lake=Path(lake).expanduser().resolve(), file=Path(file).expanduser().resolve())

    @property
    def read_copy(self) -> Path:
        """The published copy readers open read-only."""
        return self.file.with_name(f"{self.file.stem}_read{self.file.suffix}")

    @property
    def dbt_dir(self) -> Path:
        """Where dbt keeps its target/ (runs and `sparkify dbt`: its partial-parse state) and
        `sparkify dbt` its logs/; not in the package, which may be read-only."""
        return self.file.parent / "dbt"

    def dbt_vars(self) -> dict[str, str]:
        """The project's vars: where the lake's parquet is and which file to build."""
        return {"lake": str(self.lake), "warehouse_path": str(self.file)}

    def dbt_vars_arg(self) -> list[str]:
        return ["--vars", json.dumps(self.dbt_vars())]

    def prepare(self) -> None:
        """The warehouse's directory: DuckDB does not create it."""
        self.file.parent.mkdir(parents=True, exist_ok=True)

    def publish_read_copy(self) -> Path:
        """Copy the build file to a temporary file beside the read copy, then rename it over:
        a reader opens the old copy or the new one, never a partial one. Call it holding the lake
        lock, with no dbt process running (the build file is then closed and checkpointed)."""
        import duckdb

        with duckdb.connect(str(self.file)) as con:  # folds a leftover WAL into the file
            con.execute("CHECKPOINT")
        temporary = self.read_copy.with_name(f".{self.read_copy.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(self.file, temporary)
            with open(temporary, "rb+") as copied:
                os.fsync(copied.fileno())
            os.replace(temporary, self.read_copy)
        finally:
            temporary.unlink(missing_ok=True)
        return self.read_copy


def read_copy_of(settings: Settings) -> Path | None:
    """The read copy readers open for these settings; None where there is no warehouse (an
    s3:// lake)."""
    try:
        return Warehouse.from_settings(settings).read_copy
    except WarehouseUnavailable:
        return None


def dbt_executable() -> str:
    """The `dbt` beside this Python (the venv's, on PATH or not), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    if beside.is_file():
        return str(beside)
    return shutil.which("dbt") or "dbt"


def dbt_command(warehouse: Warehouse, args: list[str]) -> tuple[list[str], dict[str, str]]:
    """A dbt command line run against the project with our profile, and its environment: the
    project, profiles and artifact directories set, the vars added unless `args` gives its own."""
    command = [dbt_executable(), *args]
    if args and "--vars" not in args and not any(a.startswith("--vars=") for a in args):
        command += warehouse.dbt_vars_arg()
    env = {
        **os.environ,
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(warehouse.dbt_dir / "target"),
        "DBT_LOG_PATH": str(warehouse.dbt_dir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return command, env
