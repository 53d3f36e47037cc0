"""How a step and its checks are declared: once, read by the assets (Dagster) and the steps
(Spark) alike. Dagster-free, since the steps also run on EMR with only dagster-pipes.

A step's settings are a frozen dataclass whose fields are declared with `setting(default,
description)`: the asset's Dagster Config is built from it, so each default and description is
stated there only. A check is declared with its table, whether it blocks and what it proves;
the asset declares an AssetCheckSpec from it, the step reports a CheckMeasured from it.
"""

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pyspark.sql import SparkSession

from sparkify_dagster.quality import KeyReport
from sparkify_dagster.steps.report import CheckMeasured, StepLog, StepReport, StepRequest
from sparkify_dagster.tables import Table

DESCRIPTION = "description"


def setting(default: Any, description: str) -> Any:
    """A field of a step's settings: its default and what it means, stated once."""
    return field(default=default, metadata={DESCRIPTION: description})


@dataclass(frozen=True)
class NoSettings:
    """The settings of a step that has none."""


@dataclass(frozen=True)
class Check:
    name: str
    table: Table  # the asset the check is declared on
    description: str  # what a pass proves
    # A blocking check's failure fails the run; a non-blocking one warns.
    blocking: bool = True

    def measured(
        self, passed: bool, metadata: dict[str, Any], description: str | None = None
    ) -> CheckMeasured:
        """This check's result as the step reports it."""
        return CheckMeasured(
            asset=self.table.name,
            check=self.name,
            passed=passed,
            metadata=metadata,
            warn_only=not self.blocking,
            description=description,
        )


@dataclass(frozen=True)
class PrimaryKeyCheck(Check):
    key: str = ""

    @classmethod
    def of(cls, table: Table, key: str) -> "PrimaryKeyCheck":
        return cls(
            name=f"{key}_unique_and_not_null",
            table=table,
            description=f"{table.name}.{key} is a primary key: never null, never repeated.",
            key=key,
        )

    def measured_from(self, report: KeyReport) -> CheckMeasured:
        return self.measured(
            passed=report.ok,
            metadata={
                "rows": report.rows,
                "null_keys": report.null_keys,
                "duplicate_keys": report.duplicate_keys,
            },
            description=(
                f"{report.null_keys:,} null and {report.duplicate_keys:,} duplicate {self.key} "
                f"value(s) in {report.rows:,} rows"
            ),
        )


S = TypeVar("S")


@dataclass(frozen=True)
class Step(Generic[S]):
    """A step: its name (the asset or multi-asset that runs it), its Spark work, the type of
    its settings and the checks it measures."""

    name: str
    run: Callable[[SparkSession, StepRequest, StepLog], StepReport]
    settings: type[S] = NoSettings  # type: ignore[assignment]
    checks: tuple[Check, ...] = ()

    def request(
        self, source_root: str, lake_root: str, days: Sequence[date] = (), settings: S | None = None
    ) -> StepRequest:
        """What an asset asks of this step: the lake's roots and, when partitioned, the days."""
        return StepRequest(
            step=self.name,
            source_root=source_root,
            lake_root=lake_root,
            days=tuple(d.isoformat() for d in days),
            settings=self.settings() if settings is None else settings,
        )

    def settings_from(self, values: dict[str, Any] | None) -> S:
        """The settings from their JSON form (a request sent to a cluster)."""
        known = {f.name for f in dataclasses.fields(self.settings)}  # type: ignore[arg-type]
        unknown = sorted(set(values or {}) - known)
        if unknown:
            raise ValueError(
                f"step {self.name}: unknown setting(s) {', '.join(unknown)}; "
                f"settings: {', '.join(sorted(known)) or 'none'}"
            )
        return self.settings(**(values or {}))
