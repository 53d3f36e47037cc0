"""An eventsim-like generator of raw Sparkify lakes (song_data/ and log_data/) at any scale."""

from sparkify_dagster.generator.lake import GenerationSummary, generate_lake
from sparkify_dagster.generator.sinks import open_sink
from sparkify_dagster.layout import log_file_path

__all__ = ["GenerationSummary", "generate_lake", "log_file_path", "open_sink"]
