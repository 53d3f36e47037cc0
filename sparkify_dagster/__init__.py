"""Sparkify on Dagster: a music-streaming data lake turned into a parquet star schema."""

__version__ = "0.1.0"
# The distribution this package is installed as (pyproject.toml), for its metadata.
DISTRIBUTION = "sparkify-dagster"
