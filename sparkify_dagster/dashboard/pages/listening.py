"""Listening: when people play (weekday by hour), what they play, and how long sessions last."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from sparkify_dagster.dashboard import queries as q
from sparkify_dagster.dashboard import ui

context = ui.page_context()
filters = context.filters
st.title("Listening")
st.caption(f"{filters.start} … {filters.end}; times are UTC.")

with ui.section("Plays by weekday and hour"):
    cells = q.plays_by_weekday_and_hour(context.con, filters)
    st.subheader(f"Plays by weekday and hour ({', '.join(filters.levels)})")
    if not ui.no_rows(cells, "plays", filters):
        grid = cells.pivot(index="day_name", columns="hour", values="plays")
        order = cells.drop_duplicates("day_of_week").sort_values("day_of_week")["day_name"]
        grid = grid.reindex(list(order))
        figure = go.Figure(
            go.Heatmap(
                z=grid.values,
                x=list(grid.columns),
                y=list(grid.index),
                colorscale="Blues",
                colorbar={"title": "plays"},
                hovertemplate="%{y} %{x}:00 UTC: %{z:,} plays<extra></extra>",
            )
        )
        figure.update_layout(
            height=320, margin={"t": 10}, xaxis={"title": "hour (UTC)", "dtick": 2}
        )
        figure.update_yaxes(autorange="reversed")
        ui.chart(figure)

songs_column, artists_column = st.columns(2)
with songs_column, ui.section("Top songs"):
    songs = q.top_songs(context.con, filters)
    st.subheader("Top songs (all levels)")
    if not ui.no_rows(songs, "plays", filters):
        songs["song"] = songs["song_title"] + " · " + songs["artist_name"]
        figure = px.bar(songs, x="plays", y="song", orientation="h")
        figure.update_layout(height=380, margin={"t": 10}, yaxis={"autorange": "reversed"})
        figure.update_yaxes(title=None)
        ui.chart(figure)
with artists_column, ui.section("Top artists"):
    artists = q.top_artists(context.con, filters)
    st.subheader("Top artists (all levels)")
    if not ui.no_rows(artists, "plays", filters):
        figure = px.bar(artists, x="plays", y="artist_name", orientation="h")
        figure.update_layout(height=380, margin={"t": 10}, yaxis={"autorange": "reversed"})
        figure.update_yaxes(title=None)
        ui.chart(figure)

with ui.section("Session length"):
    sessions = q.session_lengths(context.con, filters)
    st.subheader("Session length (all levels)")
    if not ui.no_rows(sessions, "sessions", filters):
        long = sessions.melt(
            id_vars="event_date",
            value_vars=["average_minutes", "median_minutes"],
            var_name="measure",
            value_name="minutes",
        )
        long["measure"] = long["measure"].map(
            {"average_minutes": "mean", "median_minutes": "median"}
        )
        figure = px.line(long, x="event_date", y="minutes", color="measure", markers=True)
        figure.update_layout(height=320, margin={"t": 10}, xaxis={"title": None})
        ui.chart(figure)
        st.caption(
            f"{int(sessions['sessions'].sum()):,} sessions, "
            f"{sessions['average_plays'].mean():.1f} plays per session on average (days' mean)."
        )
