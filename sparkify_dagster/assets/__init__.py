"""Software-defined assets: thin wrappers that read, call the transforms, write and report."""

from sparkify_dagster.assets.catalogue import song_catalogue
from sparkify_dagster.assets.events import clean_log_events
from sparkify_dagster.assets.star import songplays, time_dimension, users

CATALOGUE_ASSETS = [song_catalogue]
DAILY_ASSETS = [clean_log_events, time_dimension, users, songplays]
ALL_ASSETS = [*CATALOGUE_ASSETS, *DAILY_ASSETS]

__all__ = [
    "ALL_ASSETS",
    "CATALOGUE_ASSETS",
    "DAILY_ASSETS",
    "clean_log_events",
    "song_catalogue",
    "songplays",
    "time_dimension",
    "users",
]
