"""The dbt warehouse through dagster-dbt: the project with its manifest, and the resource that
builds the warehouse for a run's days (one `dbt build`), one writer at a time.

The manifest (what the assets are made from) is parsed here when it is missing or older than a
project file: dagster-dbt's `prepare_if_dev` only acts under `dagster dev`, and `sparkify run`,
the tests and a deployed code server load the definitions without it. The image parses it at
build time (Dockerfile: `warehouse_project()`), so a deployed code server never parses.
"""

import contextlib
import io
import warnings
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from importlib import metadata
from pathlib import Path

import dagster as dg
from dagster._utils import run_with_concurrent_update_guard
from packaging import version
from pydantic import Field

# dagster-dbt requires sqlglot[rs], whose sqlglotrs warns on import that it is deprecated: a
# notice for dagster-dbt's maintainers that every `sparkify run` and code-location load would
# print. Exactly that warning is silenced, here where it is raised: the project imports
# dagster-dbt here only (assets/warehouse.py takes its names from this module).
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="sqlglotrs is deprecated", category=DeprecationWarning
    )
    from dagster_dbt import DagsterDbtTranslator as DagsterDbtTranslator
    from dagster_dbt import DbtCliResource, DbtProject
    from dagster_dbt import dbt_assets as dbt_assets

from sparkify_dagster.dbt_project import (
    PROFILE,
    PROJECT_DIR,
    TARGET,
    Warehouse,
    WarehouseUnavailable,
    dbt_executable,
)
from sparkify_dagster.errors import StepFailed
from sparkify_dagster.lake_lock import lake_lock
from sparkify_dagster.settings import LAKE, LAKE_LOCK_TIMEOUT_MINUTES, Settings

# What dbt writes into the project directory itself (git-ignored), not project sources.
_ARTIFACT_DIRS = {"target", "logs", "dbt_packages"}
EVENT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _newest_source_mtime(project_dir: Path) -> float:
    return max(
        (
            path.stat().st_mtime
            for path in project_dir.rglob("*")
            if path.is_file()
            and not _ARTIFACT_DIRS.intersection(path.relative_to(project_dir).parts)
        ),
        default=0.0,
    )


def manifest_is_current(project: DbtProject) -> bool:
    manifest = project.manifest_path
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(
        project.project_dir
    )


def _parse(project: DbtProject) -> None:
    dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()


def prepared_project(project_dir: Path = PROJECT_DIR) -> DbtProject:
    """The dbt project, its manifest parsed first when missing or stale (concurrent loads
    parse it once: dagster-dbt's own guard)."""
    project = DbtProject(
        project_dir=project_dir, profiles_dir=project_dir, profile=PROFILE, target=TARGET
    )
    if not manifest_is_current(project):
        run_with_concurrent_update_guard(project.manifest_path, _parse, project=project)
    return project


@cache
def warehouse_project() -> DbtProject:
    """The package's dbt project, prepared once per process."""
    return prepared_project()


class WarehouseDbtCli(DbtCliResource):
    """dagster-dbt's DbtCliResource without two start-up costs it pays in every run for nothing
    here (~5 s of a run's warehouse step on this machine, more under load): `dbt --version` in a
    subprocess (dbt-core is installed beside us: its version is known), and an in-process dbt
    adapter, which only serves `fetch_row_counts` / `fetch_column_metadata` (unused: they would
    open the DuckDB file while the build holds it). Pinned dagster-dbt (pyproject.toml): a new
    version is checked by the warehouse tests before it is taken."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """dagster-dbt's resource for `project`, with the dbt beside this Python (the venv's `dbt`
    need not be on PATH: `sparkify run` from .venv/bin works without activating it)."""
    return WarehouseDbtCli(project_dir=project, dbt_executable=dbt_executable())


def event_time_args(days: list[date]) -> list[str]:
    """The run's days as dbt's event-time window: from the first day's midnight (UTC) to the
    midnight after the last, so incremental models rebuild exactly those days."""
    start = datetime.combine(days[0], time())
    end = datetime.combine(days[-1] + timedelta(days=1), time())
    return [
        "--event-time-start",
        start.strftime(EVENT_TIME_FORMAT),
        "--event-time-end",
        end.strftime(EVENT_TIME_FORMAT),
    ]


def _failed_nodes(invocation) -> str:
    """What failed in a dbt invocation, in one line: the failed models and tests by name, the
    first one's message, and how many nodes dbt skipped because of them."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (OSError, ValueError, KeyError):
        return f"exit code {invocation.process.returncode}; see the run's dbt log lines"
    failed = [r for r in results if r.get("status") in ("error", "fail", "runtime error")]
    if not failed:
        return f"exit code {invocation.process.returncode}; see the run's dbt log lines"
    skipped = sum(1 for r in results if r.get("status") == "skipped")
    names = ", ".join(r["unique_id"].split(".")[2] for r in failed)
    first = " ".join(str(failed[0].get("message") or "").split())
    return f"{len(failed)} failed ({names}); first: {first}" + (
        f"; {skipped} node(s) skipped" if skipped else ""
    )


def _dbt_lines_to_debug_log(events: Iterator, log) -> Iterator:
    """dagster-dbt's events, with the dbt log lines it prints on stdout (a few hundred a build)
    sent to the run's debug log instead: `sparkify run` prints progress in a line per step.
    Only the pulling of each event is redirected, never the code that runs while it is yielded."""
    lines = io.StringIO()
    iterator = iter(events)
    while True:
        with contextlib.redirect_stdout(lines):
            event = next(iterator, None)
        for line in lines.getvalue().splitlines():
            if line.strip():
                log.debug(line)
        lines.seek(0)
        lines.truncate()
        if event is None:
            return
        yield event


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse's DuckDB file beside a local lake, built by dbt holding the lake lock."""

    lake_root: str = Field(default=LAKE.default, description="The lake the sources read.")
    warehouse_file: str | None = Field(
        default=None, description="The DuckDB file; unset: <lake>/warehouse/sparkify.duckdb."
    )
    lake_lock_timeout_minutes: int = Field(
        default=LAKE_LOCK_TIMEOUT_MINUTES.default,
        description="How long a build waits for another run's step on the same lake, then fails.",
    )

    def warehouse(self) -> Warehouse:
        return Warehouse.from_settings(Settings(lake=self.lake_root, warehouse=self.warehouse_file))

    def build(
        self, context: dg.AssetExecutionContext, dbt: DbtCliResource, days: list[date]
    ) -> Iterator:
        """One `dbt build` of the selected models for `days`, streamed as Dagster events; on
        success the read copy is published. Fails in a line or two naming what failed."""
        try:
            warehouse = self.warehouse()
        except WarehouseUnavailable as error:
            raise StepFailed(str(error)) from None
        warehouse.prepare()
        args = ["build", *warehouse.dbt_vars_arg(), *event_time_args(days)]
        with lake_lock(
            str(warehouse.lake),
            context.run.run_id,
            context.log,
            timeout_s=self.lake_lock_timeout_minutes * 60,
        ):
            # The warehouse's own target directory (`sparkify dbt` uses it too), not one per
            # invocation: dbt then parses only what changed since the last build (~2.5 s less
            # a run here). The lake lock keeps it to one dbt at a time; a build that fails
            # before it writes its results must not be reported with the last build's.
            target = warehouse.dbt_dir / "target"
            (target / "run_results.json").unlink(missing_ok=True)
            invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
            yield from _dbt_lines_to_debug_log(invocation.stream(), context.log)
            if not invocation.is_successful():
                raise StepFailed(f"dbt build failed: {_failed_nodes(invocation)}")
            warehouse.publish_read_copy()
