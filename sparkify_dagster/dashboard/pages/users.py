"""Users: the level mix over time, the free → paid → cancelled funnel, retention by cohort."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from sparkify_dagster.dashboard import queries as q
from sparkify_dagster.dashboard import ui

context = ui.page_context()
filters = context.filters
st.title("Users")
st.caption(f"{filters.start} … {filters.end}")

with ui.section("Level mix"):
    mix = q.level_mix(context.con, filters)
    st.subheader("Daily active users by level")
    if not ui.no_rows(mix, "active users", filters):
        figure = px.area(
            mix,
            x="event_date",
            y="active_users",
            color="level",
            category_orders={"level": list(q.LEVELS)},
        )
        figure.update_layout(height=320, margin={"t": 10}, xaxis={"title": None})
        ui.chart(figure)

with ui.section("The funnel"):
    funnel = q.level_funnel(context.con, filters)
    st.subheader("Free → paid → cancelled (user-days)")
    if funnel["user_days"].sum() == 0:
        st.info(f"No active users between {filters.start} and {filters.end}.")
    else:
        figure = go.Figure(
            go.Funnel(y=funnel["stage"], x=funnel["user_days"], textinfo="value+percent initial")
        )
        figure.update_layout(height=340, margin={"t": 10})
        ui.chart(figure)
        st.caption(
            "Each stage counts the users in it each day, summed over the days "
            "(a user on the Upgrade page on two days counts twice)."
        )

with ui.section("Cohorts"):
    cohorts = q.cohorts(context.con, filters)
    st.subheader("Retention by registration week")
    if not ui.no_rows(cohorts, "cohorts active", filters):
        grid = cohorts.pivot(
            index="registration_week", columns="weeks_since_registration", values="retention"
        ).sort_index(ascending=False)
        sizes = cohorts.groupby("registration_week")["cohort_users"].first()
        labels = [f"{week} ({sizes[week]:,} users)" for week in grid.index]
        figure = go.Figure(
            go.Heatmap(
                z=grid.values,
                x=[f"week {w}" for w in grid.columns],
                y=labels,
                colorscale="Greens",
                zmin=0,
                zmax=1,
                colorbar={"title": "active", "tickformat": ".0%"},
                hovertemplate="%{y}, %{x}: %{z:.0%} active<extra></extra>",
            )
        )
        figure.update_layout(height=max(260, 22 * len(labels) + 80), margin={"t": 10})
        figure.update_yaxes(type="category")
        ui.chart(figure)
        st.caption(
            "A cohort: the users who registered in a week (Monday, UTC) and were active in the "
            "loaded days; each cell the share of them active in that week since."
        )
