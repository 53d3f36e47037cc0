"""What a Spark step is asked to do and what it reports back, as plain JSON-able data.

A step runs in the orchestrator's process (local Spark) or as an EMR step on a cluster (its
report then travels back as a Dagster Pipes message). Either way the asset receives the same
StepReport and turns it into Dagster events in one place, so both modes show the same metadata.
"""

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.tables import Table


class StepLog(Protocol):
    """What a step logs through: Dagster's context.log locally, the Pipes log on a cluster."""

    def info(self, msg: str) -> Any: ...

    def warning(self, msg: str) -> Any: ...


@dataclass(frozen=True)
class StepRequest:
    """Made by a step's declaration (Step.request); back from JSON by steps.request_from_dict."""

    step: str  # the name of a steps.step.Step
    source_root: str
    lake_root: str
    days: tuple[str, ...] = ()  # ISO dates; empty for unpartitioned steps
    settings: Any = None  # the step's settings (a frozen dataclass; Step.request fills them)

    @property
    def dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.days]

    def to_dict(self) -> dict:
        return {**asdict(self), "days": list(self.days)}


@dataclass(frozen=True)
class TableWritten:
    """One table (or one day of a daily table) as written: what its materialization shows."""

    asset: str
    partition: str | None
    row_count: int
    path: str
    columns: list[tuple[str, str]]
    preview: str  # Markdown
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckMeasured:
    asset: str
    check: str
    passed: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    warn_only: bool = False
    # What was found, for people: which day, how much, against what limit (the check result's
    # description in Dagster, and the CLI summary's line under a failed check).
    description: str | None = None


@dataclass(frozen=True)
class StepReport:
    tables: list[TableWritten]
    checks: list[CheckMeasured]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "StepReport":
        return cls(
            tables=[
                TableWritten(**{**t, "columns": [tuple(c) for c in t["columns"]]})
                for t in data["tables"]
            ],
            checks=[CheckMeasured(**c) for c in data["checks"]],
        )


def _markdown_preview(rows: list[dict]) -> str:
    if not rows:
        return "_no rows_"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = (str(row[c]).replace("|", "\\|").replace("\n", " ")[:60] for c in columns)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe_table(
    lake: ParquetLake,
    table: Table,
    day: date | None = None,
    asset: str | None = None,
    extra: dict | None = None,
) -> TableWritten:
    """A whole table, or one day of a daily table, as its materialization will show it (its
    columns as tables.py declares them: the lake refuses to write any others)."""
    path = lake.path(table) if day is None else lake.partition_path(table, day)
    return TableWritten(
        asset=asset or table.name,
        partition=None if day is None else day.isoformat(),
        row_count=lake.row_count(table, day),
        path=str(path),
        columns=[(f.name, f.dataType.simpleString()) for f in table.columns.fields],
        preview=_markdown_preview(lake.preview(table, day)),
        extra=extra or {},
    )


def describe_days(lake: ParquetLake, table: Table, days: list[date]) -> list[TableWritten]:
    return [describe_table(lake, table, day) for day in days]
