"""Overview: is the data fresh, and how did the latest day go against the day before and the week."""

from datetime import timedelta

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from sparkify_dagster.dashboard import queries as q
from sparkify_dagster.dashboard import ui

KPIS = (
    ("plays", "Plays", "{:,.0f}"),
    ("active_users", "Daily active users", "{:,.0f}"),
    ("paid_share", "Paid share of active users", "{:.1%}"),
    ("new_users", "New users", "{:,.0f}"),
    ("upgrades", "Upgrades", "{:,.0f}"),
    ("cancellations", "Cancellations", "{:,.0f}"),
)

context = ui.page_context()
fresh, filters = context.freshness, context.filters
st.title("Overview")
st.caption("Sparkify: the morning view of the service.")

# Freshness first, so nobody reads stale numbers without knowing.
today = ui.now().date()
behind = fresh.days_behind(today)
published = fresh.published_at.strftime("%Y-%m-%d %H:%M UTC")
summary = (
    f"**Latest day loaded: {fresh.latest_day}** (days {fresh.first_day} … {fresh.latest_day}), "
    f"published {published} by a build that passed: a run's dbt build publishes the warehouse "
    "only when every model and test passed, so a failed check leaves its days missing here."
)
if behind:
    st.warning(
        f"{summary}\n\nThe data is **{behind} day{'s' if behind > 1 else ''} behind**: "
        f"yesterday ({today - timedelta(days=1)}) is not loaded yet. Its run has not finished "
        "or has failed: see its run and checks in Dagster."
    )
else:
    st.success(summary)
if fresh.missing_days:
    st.warning(
        f"Days missing in the warehouse: {', '.join(str(d) for d in fresh.missing_days[:10])}"
        f"{' …' if len(fresh.missing_days) > 10 else ''}. Their figures show as zero: "
        "materialize those days."
    )
if fresh.empty_days:
    st.warning(
        f"Days loaded without any event (no log file, or an empty one): "
        f"{', '.join(str(d) for d in fresh.empty_days[:10])}"
        f"{' …' if len(fresh.empty_days) > 10 else ''}."
    )

day = filters.end
before = day - timedelta(days=1)
with ui.section("The latest days"):
    week = q.daily_kpis(context.con, ui.with_days(context, day - timedelta(days=6), day))
    latest, previous = week.iloc[-1], week.iloc[-2]
    st.subheader(f"{day} against {before}")
    if day in fresh.missing_days or day in fresh.empty_days:
        st.info(f"{day} has no events loaded: its figures are zero.")
    columns = st.columns(len(KPIS))
    for column, (name, label, form) in zip(columns, KPIS, strict=True):
        value, prior = latest[name], previous[name]
        shown = form.format(value) if value == value else "n/a"  # NaN: no active users
        delta, colour = None, "normal"
        if value == value and prior == prior:
            change = (value - prior) * (100 if name == "paid_share" else 1)
            delta = f"{change:+.1f} pt" if name == "paid_share" else f"{change:+,.0f}"
            colour = "normal" if change else "off"
        column.metric(label, shown, delta, delta_color=colour)

    st.subheader(f"The 7 days up to {day}")
    figure = make_subplots(rows=2, cols=3, subplot_titles=[label for _, label, _ in KPIS])
    for index, (name, label, _) in enumerate(KPIS):
        figure.add_trace(
            go.Scatter(x=week["event_date"], y=week[name], name=label, mode="lines+markers"),
            row=index // 3 + 1,
            col=index % 3 + 1,
        )
    figure.update_layout(showlegend=False, height=460, margin={"t": 40})
    figure.update_yaxes(rangemode="tozero")
    figure.update_yaxes(tickformat=".0%", row=1, col=3)
    ui.chart(figure)

with ui.section("The range's totals"):
    totals = q.range_totals(context.con, filters)
    st.subheader(f"{filters.start} … {filters.end}")
    left, right, _ = st.columns(3)
    left.metric(f"Plays ({', '.join(filters.levels)})", f"{totals['plays']:,}")
    right.metric("Sessions", f"{totals['sessions']:,}")
