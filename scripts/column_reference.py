"""README.md's column reference, generated from the table registry (sparkify_dagster/tables.py).

The descriptions are written once, in the registry; the Dagster UI shows them from there and
README.md carries this rendering of them. After changing a column, run from the project root:

    .venv/bin/python scripts/column_reference.py           # rewrites README.md's section
    .venv/bin/python scripts/column_reference.py --check   # exit 1 if README.md is out of date

(sparkify_dagster_tests/test_schemas.py runs the check.)
"""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from sparkify_dagster.tables import ALL_TABLES, description  # noqa: E402

README = PROJECT_ROOT / "README.md"
BEGIN = (
    "<!-- column reference: generated from sparkify_dagster/tables.py by "
    "scripts/column_reference.py; edit the descriptions there -->"
)
END = "<!-- end of column reference -->"


def render() -> str:
    """Every output table in the registry's order: its place, then each column's type and
    description; a table made of another one's columns lists their names only."""
    parts, shown = [], {}
    for table in ALL_TABLES:
        schema = table.columns
        layout = (
            f"`{table.relative_path}/date=YYYY-MM-DD/`"
            if table.daily
            else (f"`{table.relative_path}/`")
        )
        parts.append(f"**`{table.name}`** ({layout})\n")
        source = next(
            (
                name
                for name, fields in shown.items()
                if all(fields.get(f.name) == f for f in schema.fields)
            ),
            None,
        )
        if source:
            names = ", ".join(f"`{f.name}`" for f in schema.fields)
            parts.append(f"Columns of `{source}`: {names}.\n")
            continue
        rows = [
            f"| `{f.name}` | {f.dataType.simpleString()} | {description(f)} |"
            for f in schema.fields
        ]
        parts.append("\n".join(["| column | type | description |", "|---|---|---|", *rows]) + "\n")
        shown[table.name] = {f.name: f for f in schema.fields}
    return "\n".join(parts)


def updated(readme: str) -> str:
    head, found, rest = readme.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"README.md has no {BEGIN} … {END} section")
    return f"{head}{BEGIN}\n\n{render()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    current = README.read_text()
    wanted = updated(current)
    if "--check" in argv:
        if current != wanted:
            print("README.md's column reference is out of date: run scripts/column_reference.py")
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
