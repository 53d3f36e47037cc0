"""Geography: where the plays come from, by state and city."""

import plotly.express as px
import streamlit as st

from sparkify_dagster.dashboard import queries as q
from sparkify_dagster.dashboard import ui

context = ui.page_context()
filters = context.filters
st.title("Geography")
st.caption(f"{filters.start} … {filters.end}; plays by {', '.join(filters.levels)} users.")

with ui.section("Plays by state"):
    states = q.plays_by_state(context.con, filters)
    st.subheader("Plays by state")
    if not ui.no_rows(states, "plays", filters):
        placed = states.dropna(subset=["latitude", "longitude"])
        figure = px.scatter(
            placed,
            x="longitude",
            y="latitude",
            size="plays",
            text="state",
            hover_data={"plays": ":,", "locations": True},
            size_max=60,
        )
        figure.update_traces(textposition="middle center", marker={"opacity": 0.6})
        figure.update_layout(height=480, margin={"t": 10})
        figure.update_yaxes(scaleanchor="x", scaleratio=1.25)
        ui.chart(figure)
        unplaced = int(states.loc[states["latitude"].isna(), "plays"].sum())
        st.caption(
            "Each state at its centre: the logs name `City, ST` without coordinates (a metro "
            "area over several states, e.g. NY-NJ-PA, at its first state's centre). No base map: "
            "its outlines would come from a CDN the dashboard may not reach."
            + (f" {unplaced:,} plays have no known place." if unplaced else "")
        )

with ui.section("Plays by city"):
    cities = q.plays_by_location(context.con, filters)
    st.subheader("Top cities")
    if not ui.no_rows(cities, "plays", filters):
        top = cities.head(15)
        figure = px.bar(top, x="plays", y="location", orientation="h")
        figure.update_layout(height=440, margin={"t": 10}, yaxis={"autorange": "reversed"})
        figure.update_yaxes(title=None)
        ui.chart(figure)
        st.dataframe(
            cities[["location", "state", "plays", "latitude", "longitude", "coordinates_from"]],
            hide_index=True,
            width="stretch",
        )
