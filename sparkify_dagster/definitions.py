"""The code location `dagster dev` loads (see [tool.dagster] in pyproject.toml)."""

import dagster as dg

from sparkify_dagster.assets import ALL_ASSETS
from sparkify_dagster.jobs import ALL_JOBS
from sparkify_dagster.resources import build_resources

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=ALL_JOBS,
    resources=build_resources(),
    # Ad-hoc materializations from the UI also share one process (one SparkSession).
    executor=dg.in_process_executor,
)
