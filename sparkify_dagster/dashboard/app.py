"""The dashboard's entry point (`streamlit run app.py`, started by `sparkify dashboard`): the
warehouse snapshot of this page load, the sidebar's filters (made here, in the entry point, so
they keep their values from page to page), the pages."""

import streamlit as st

from sparkify_dagster.dashboard import PAGES, ui

st.set_page_config(page_title="Sparkify", page_icon=":material/music_note:", layout="wide")
context = ui.open_context()
ui.set_context(context)
try:
    ui.sidebar_filters(context)
    navigation = st.navigation(
        [
            st.Page(
                page.script,
                title=page.title,
                icon=page.icon,
                url_path=page.url_path,
                default=index == 0,
            )
            for index, page in enumerate(PAGES)
        ]
    )
    navigation.run()
finally:
    ui.clear_context()
