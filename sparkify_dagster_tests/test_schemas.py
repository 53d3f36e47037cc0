"""The output schemas document every column, and README's column reference is made from them."""

import subprocess
import sys

from sparkify_dagster.schemas import TABLE_SCHEMAS, description
from sparkify_dagster.tables import ALL_TABLES
from sparkify_dagster_tests.helpers import PROJECT_ROOT


def test_every_column_of_every_output_table_has_a_description():
    assert set(TABLE_SCHEMAS) == {table.name for table in ALL_TABLES}
    undescribed = [
        f"{name}.{field.name}"
        for name, schema in TABLE_SCHEMAS.items()
        for field in schema.fields
        if not (description(field) or "").strip()
    ]
    assert not undescribed


def test_readme_column_reference_is_the_one_generated_from_the_schemas():
    check = subprocess.run(
        [sys.executable, "scripts/column_reference.py", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
