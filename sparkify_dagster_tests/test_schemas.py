"""The table registry documents every column, and README's column reference is made from it."""

import subprocess
import sys

from sparkify_dagster.tables import ALL_TABLES, description
from sparkify_dagster_tests.helpers import PROJECT_ROOT


def test_every_column_of_every_output_table_has_a_description():
    undescribed = [
        f"{table.name}.{field.name}"
        for table in ALL_TABLES
        for field in table.columns.fields
        if not (description(field) or "").strip()
    ]
    assert not undescribed


def test_readme_column_reference_is_the_one_generated_from_the_registry():
    check = subprocess.run(
        [sys.executable, "scripts/column_reference.py", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
