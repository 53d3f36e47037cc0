"""The dashboard: a Streamlit app over the warehouse's read copy (`sparkify dashboard`).

All SQL is in `queries.py` (pure functions: a connection and filters in, a DataFrame out), the
pages in `pages/` only lay out what it returns. This module holds what the rest of the platform
needs to know about the app without importing Streamlit: its pages, their URLs and the marts each
reads (the marts' Dagster assets link to the page that shows them).
"""

from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


@dataclass(frozen=True)
class Page:
    """One page of the app: its script under pages/, URL path, title and the models it reads."""

    script: str
    url_path: str
    title: str
    icon: str
    models: tuple[str, ...]


PAGES: tuple[Page, ...] = (
    Page(
        "pages/overview.py",
        "overview",
        "Overview",
        ":material/dashboard:",
        (
            "daily_plays_by_hour",
            "daily_active_users",
            "daily_new_users",
            "daily_level_funnel",
            "daily_sessions",
        ),
    ),
    Page(
        "pages/listening.py",
        "listening",
        "Listening",
        ":material/headphones:",
        ("daily_top_songs", "daily_top_artists"),
    ),
    Page(
        "pages/users.py",
        "users",
        "Users",
        ":material/group:",
        ("weekly_cohorts",),
    ),
    Page(
        "pages/geography.py",
        "geography",
        "Geography",
        ":material/map:",
        ("daily_plays_by_location",),
    ),
    Page(
        "pages/data_quality.py",
        "data-quality",
        "Data quality",
        ":material/fact_check:",
        ("daily_quarantined_lines", "daily_catalogue_matches"),
    ),
)


def page_url(base_url: str, model: str) -> str:
    """The URL of the page that shows `model` (the first that reads it), else the app's."""
    base = base_url.rstrip("/")
    for page in PAGES:
        if model in page.models:
            return f"{base}/{page.url_path}" if page is not PAGES[0] else base
    return base
