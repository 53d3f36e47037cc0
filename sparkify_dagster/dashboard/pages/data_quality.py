"""Data quality: lines the platform could not use, plays matched to the catalogue, the checks."""

import plotly.express as px
import streamlit as st

from sparkify_dagster.dashboard import queries as q
from sparkify_dagster.dashboard import ui
from sparkify_dagster.steps.events import QUARANTINE_SHARE_BELOW_THRESHOLD, CleanEventsSettings

context = ui.page_context()
fresh, filters = context.freshness, context.filters
threshold = CleanEventsSettings().quarantine_warn_share
st.title("Data quality")
st.caption(f"{filters.start} … {filters.end}; every level.")

st.subheader("Checks")
with ui.section("The checks"):
    shares = q.quarantine_shares(context.con, filters, threshold)
    over = shares[~shares["within_threshold"].astype(bool)]
    results = [
        (
            "dbt tests of the warehouse",
            "passed",
            f"the copy published {fresh.published_at:%Y-%m-%d %H:%M} UTC came from a build whose "
            "models and tests all passed (a failed test publishes nothing)",
        ),
        (
            f"{QUARANTINE_SHARE_BELOW_THRESHOLD.name} (warning, default {threshold:.0%})",
            "failed" if len(over) else "passed",
            (
                "above it on "
                + ", ".join(
                    f"{r.event_date:%Y-%m-%d} ({r.share:.1%})" for r in over.head(10).itertuples()
                )
                if len(over)
                else f"every day of the range at or below {threshold:.0%}"
            ),
        ),
    ]
    missing = [d for d in fresh.missing_days if filters.start <= d <= filters.end]
    results.append(
        (
            "every day of the range loaded",
            "failed" if missing else "passed",
            ("missing: " + ", ".join(str(d) for d in missing[:10])) if missing else "no gap",
        )
    )
    failed = [r for r in results if r[1] == "failed"]
    if failed:
        st.warning("Failed: " + "; ".join(f"{name}: {detail}" for name, _, detail in failed) + ".")
    else:
        st.success("Every check passed for these days.")
    st.dataframe(
        {
            "check": [r[0] for r in results],
            "result": [r[1] for r in results],
            "detail": [r[2] for r in results],
        },
        hide_index=True,
        width="stretch",
    )

with ui.section("Quarantined lines"):
    lines = q.quarantined_lines(context.con, filters)
    st.subheader("Quarantined log lines per day, by reason")
    if lines.empty:
        st.success(f"No line was quarantined between {filters.start} and {filters.end}.")
    else:
        figure = px.bar(lines, x="event_date", y="lines", color="reason")
        figure.update_layout(height=340, margin={"t": 10}, xaxis={"title": None})
        ui.chart(figure)

with ui.section("Catalogue matches"):
    matches = q.catalogue_matches(context.con, filters)
    st.subheader("Plays matched to a catalogue song")
    if not ui.no_rows(matches, "plays", filters):
        total, matched = int(matches["plays"].sum()), int(matches["matched_plays"].sum())
        st.metric(
            "Match rate over the range",
            f"{matched / total:.2%}" if total else "n/a",
            help=f"{matched:,} of {total:,} plays",
        )
        figure = px.line(matches, x="event_date", y="matched_share", markers=True)
        figure.update_layout(height=300, margin={"t": 10}, xaxis={"title": None})
        figure.update_yaxes(tickformat=".2%", rangemode="tozero")
        ui.chart(figure)
        st.caption(f"{matched:,} of {total:,} plays matched a song of the catalogue.")
