"""The test suite. Its processes import Dagster, dbt, PySpark and Streamlit: millions of objects
that live until the end, which Python's cyclic collector, at its default thresholds, scans again
and again (a quarter of a test worker's time). Here it runs less often, from before those imports
on; conftest.py then takes what collection imported out of its reach (gc.freeze)."""

import gc

gc.set_threshold(50_000, 20, 100)
