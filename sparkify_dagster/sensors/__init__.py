"""Sensors that start runs when raw files arrive (built by build_sensors from the Settings)."""

from sparkify_dagster.sensors.raw_files import build_sensors

__all__ = ["build_sensors"]
