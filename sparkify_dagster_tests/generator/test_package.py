"""The generator is its own package: a development tool that needs no Spark to run."""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_generator_loads_no_pyspark():
    """In a fresh process: this one already holds the tests' SparkSession."""
    code = (
        "import sys, sparkify_generator, sparkify_generator.lake, sparkify_generator.streamify;"
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in ('pyspark', 'py4j')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
