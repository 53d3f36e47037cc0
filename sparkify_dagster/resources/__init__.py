"""Resources, built from the Settings (sparkify_dagster.settings), so no code is edited per
environment (from_settings.py).

Settings.env chooses where the Spark steps run: `local` (default: this process, local Spark)
or `emr` (EMR steps on a cluster per run; README: Running on AWS).

The package itself imports nothing: a process that needs one resource (`sparkify ingest` its
SparkResource, `sparkify class-archive` the class archive) loads that module alone, without
Dagster's dbt and AWS integrations (~2.5 s of CPU at each start here).
"""
