"""The dashboard's pages: Streamlit scripts, run by app.py's navigation (not imported)."""
