"""A generated week, shared read-only by the tests that check what the generator models."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from sparkify_dagster_tests.generator.helpers import EVENTS_PER_DAY, WEEK_START
from sparkify_generator import GenerationSummary, generate_lake, open_sink


@dataclass
class GeneratedWeek:
    root: Path
    summary: GenerationSummary
    events_by_day: dict[date, list[dict]]

    @property
    def events(self) -> list[dict]:
        return [e for day in sorted(self.events_by_day) for e in self.events_by_day[day]]


@pytest.fixture(scope="session")
def generated_week(tmp_path_factory) -> GeneratedWeek:
    root = tmp_path_factory.mktemp("generated") / "week"
    summary = generate_lake(
        open_sink(str(root)),
        start=WEEK_START,
        days=7,
        events_per_day=EVENTS_PER_DAY,
        songs=2_000,
        seed=7,
    )
    by_day = {}
    for path in sorted((root / "log_data").rglob("*-events.json")):
        day = date.fromisoformat(path.name.removesuffix("-events.json"))
        by_day[day] = [json.loads(line) for line in path.read_text(encoding="ascii").splitlines()]
    return GeneratedWeek(root, summary, by_day)
