"""A StepReport survives its JSON trip (Dagster Pipes carries it back from EMR) whole."""

import json

from sparkify_dagster.steps.events import QUARANTINE_SHARE_BELOW_THRESHOLD
from sparkify_dagster.steps.report import CheckMeasured, StepReport, TableWritten


def test_a_report_keeps_its_check_descriptions_through_json():
    report = StepReport(
        tables=[TableWritten("log_events", "2018-11-05", 3, "/lake/x", [("ts", "bigint")], "-")],
        checks=[
            CheckMeasured(
                "log_events",
                QUARANTINE_SHARE_BELOW_THRESHOLD.name,
                passed=False,
                metadata={"threshold": 0.01},
                warn_only=True,
                description="2018-11-05: 3.2 % of 1,234 lines quarantined, above the 1.0 % "
                "threshold",
            )
        ],
    )
    assert StepReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_a_report_from_an_older_step_without_descriptions_still_reads():
    old = {"tables": [], "checks": [{"asset": "songs", "check": "c", "passed": True}]}
    (check,) = StepReport.from_dict(old).checks
    assert check.description is None
