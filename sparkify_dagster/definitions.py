"""The code location `dagster dev` loads (see [tool.dagster] in pyproject.toml)."""

import dagster as dg

from sparkify_dagster.assets import ALL_ASSETS
from sparkify_dagster.jobs import ALL_JOBS
from sparkify_dagster.resources import build_resources
from sparkify_dagster.schedules import ALL_SCHEDULES
from sparkify_dagster.sensors import ALL_SENSORS

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=ALL_JOBS,
    schedules=ALL_SCHEDULES,
    sensors=ALL_SENSORS,
    resources=build_resources(),
    # Ad-hoc materializations from the UI also share one process (one SparkSession).
    executor=dg.in_process_executor,
)
