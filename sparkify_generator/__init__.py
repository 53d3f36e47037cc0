"""An eventsim-like generator of raw Sparkify lakes (song_data/ and log_data/) at any scale.

A development tool (`sparkify generate`, the tests, the benchmarks), so a package of its own:
the code shipped to EMR (sparkify_dagster/) does not carry it. It writes the files where
sparkify_dagster.layout says they go, and imports no PySpark.
"""

from sparkify_dagster.layout import log_file_path
from sparkify_generator.lake import GenerationSummary, generate_lake
from sparkify_generator.sinks import open_sink

__all__ = ["GenerationSummary", "generate_lake", "log_file_path", "open_sink"]
