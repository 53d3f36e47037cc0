"""What every page shares: the warehouse snapshot of this page load, the sidebar's filters, and
problems said in words (a missing warehouse, a missing day, a model that cannot be read) instead
of Streamlit's traceback.

app.py opens the read copy once per page load and closes it after the page ran, so every chart
of a page comes from the same file; a page script run on its own (a test) opens it itself.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import streamlit as st

from sparkify_dagster.dashboard import queries as q
from sparkify_dagster.dbt_project import read_copy_of
from sparkify_dagster.settings import Settings, SettingsError

DEFAULT_DAYS = 30
_CONTEXT = "sparkify_dashboard_context"
PLOTLY_CONFIG = {"displaylogo": False}


@dataclass
class Context:
    """One page load's view of the warehouse: the open snapshot and what the sidebar chose."""

    read_copy: Path | None
    con: duckdb.DuckDBPyConnection | None = None
    freshness: q.Freshness | None = None
    filters: q.Filters | None = None
    problem: str | None = None

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def _read_copy() -> Path | None:
    try:
        return read_copy_of(Settings.from_env())
    except SettingsError as error:
        raise q.WarehouseNotReady(str(error)) from None


def open_context() -> Context:
    """The read copy opened read-only with its freshness; a problem in words if it cannot be."""
    try:
        read_copy = _read_copy()
        con = q.open_read_copy(read_copy)
    except q.WarehouseNotReady as problem:
        return Context(read_copy=None, problem=str(problem))
    context = Context(read_copy=read_copy, con=con)
    try:
        context.freshness = q.freshness(con, read_copy)
    except duckdb.Error as error:
        context.close()
        context.problem = f"The warehouse at {read_copy} cannot be read: {_first_line(error)}"
        return context
    if context.freshness.latest_day is None:
        context.problem = (
            "The warehouse is empty: no day has been loaded yet. Run `sparkify run` (or "
            "materialize a day in Dagster) and reload this page."
        )
    return context


def sidebar_filters(context: Context) -> None:
    """The date range (default: the last 30 days loaded) and levels, in the sidebar."""
    fresh = context.freshness
    if context.problem or fresh is None or fresh.latest_day is None:
        return
    first, latest = fresh.first_day, fresh.latest_day
    default_start = max(first, latest - timedelta(days=DEFAULT_DAYS - 1))
    with st.sidebar:
        chosen = st.date_input(
            "Days (UTC)",
            value=(default_start, latest),
            min_value=first,
            max_value=latest,
            key="days",
            persist_state="session",
            help=f"Loaded: {first} … {latest}",
        )
        levels = st.pills(
            "Level",
            q.LEVELS,
            selection_mode="multi",
            default=list(q.LEVELS),
            key="levels",
            persist_state="session",
            help="Applies to plays and active users; other figures count every level.",
        )
    days = tuple(chosen) if isinstance(chosen, tuple | list) else (chosen,)
    start = days[0] if days else default_start
    end = days[1] if len(days) > 1 else start
    if not levels:
        st.sidebar.caption("No level chosen: both are shown.")
        levels = list(q.LEVELS)
    context.filters = q.Filters(start, end, tuple(sorted(levels)))


def page_context() -> Context:
    """This load's context (opened by app.py), or one opened here for a page run on its own.
    Stops the page with a sentence when there is nothing to show."""
    context = st.session_state.get(_CONTEXT)
    if context is None or (context.con is None and context.problem is None):
        context = open_context()
        sidebar_filters(context)
    if context.problem:
        st.info(context.problem)
        st.stop()
    if context.filters is None:  # a page run on its own before the sidebar: the defaults
        context.filters = q.Filters(context.freshness.first_day, context.freshness.latest_day)
    return context


def set_context(context: Context) -> None:
    st.session_state[_CONTEXT] = context


def clear_context() -> None:
    context = st.session_state.pop(_CONTEXT, None)
    if context is not None:
        context.close()


@contextlib.contextmanager
def section(what: str) -> Iterator[None]:
    """A part of a page whose model cannot be read says so, and the rest of the page renders."""
    try:
        yield
    except duckdb.Error as error:
        st.warning(f"{what} cannot be shown: {_first_line(error)}")


def _first_line(error: BaseException) -> str:
    """A DuckDB error's first line. Not errors.first_line: that module reads Spark's and py4j's
    errors, and importing it would load PySpark into every dashboard process."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def no_rows(frame, what: str, filters: q.Filters) -> bool:
    """True (and says so) when `frame` is empty for the chosen days."""
    if len(frame):
        return False
    st.info(f"No {what} between {filters.start} and {filters.end}.")
    return True


def chart(figure) -> None:
    st.plotly_chart(figure, width="stretch", config=PLOTLY_CONFIG)


def with_days(context: Context, start: date, end: date) -> q.Filters:
    """The context's filters over other days (the Overview's last two days and week)."""
    return replace(context.filters, start=start, end=end)


def now() -> datetime:
    return datetime.now(UTC)
