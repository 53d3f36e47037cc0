"""Helpers of the dashboard tests: the app run headless, and changes to a copied read copy."""

from dataclasses import dataclass
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from sparkify_dagster.dashboard import APP, PAGES, Page
from sparkify_dagster.dbt_project import Warehouse
from sparkify_dagster.settings import Settings

SAMPLE_PLAYS = 6_820  # the sample month's songplays, as published


@dataclass(frozen=True)
class Shown:
    """What one page showed: errors and exceptions, its plotly charts, its words."""

    problems: list[str]
    charts: int
    text: str


def run_pages(pages: tuple[Page, ...] = PAGES) -> dict[str, Shown]:
    """Each page of the app run headless (AppTest: the real app.py and page scripts, no
    browser), by title; the environment says which lake."""
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    shown = {}
    for page in pages:
        app.switch_page(page.script).run()
        shown[page.title] = Shown(_problems(app), len(app.get("plotly_chart")), _text(app))
    return shown


def _text(app: AppTest) -> str:
    """Everything the page said in words: titles, markdown, alerts, captions, metrics, tables."""
    kinds = ("title", "subheader", "markdown", "caption", "info", "warning", "success")
    parts = [str(element.value) for kind in kinds for element in app.get(kind)]
    parts += [f"{metric.label}: {metric.value}" for metric in app.metric]
    parts += [frame.value.to_csv(index=False) for frame in app.dataframe]
    return "\n".join(parts)


def _problems(app: AppTest) -> list[str]:
    """Exceptions and error elements: a page must never show one."""
    return [str(e.value) for e in app.exception] + [str(e.value) for e in app.error]


def read_copy_of_lake(lake: Path) -> Path:
    return Warehouse.from_settings(Settings(lake=str(lake))).read_copy


def change_read_copy(lake: Path, *statements: str) -> None:
    """Run SQL on the lake's (copied) read copy, as if a build had published it so."""
    with duckdb.connect(str(read_copy_of_lake(lake))) as con:
        for statement in statements:
            con.execute(statement)
