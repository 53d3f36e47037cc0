"""Sparkify on Dagster: a music-streaming data lake turned into a parquet star schema."""

__version__ = "0.1.0"
