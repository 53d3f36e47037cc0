"""Sensors that start runs when raw files arrive."""

from sparkify_dagster.sensors.raw_files import new_log_files, new_song_files

ALL_SENSORS = [new_log_files, new_song_files]
