"""The dashboard benchmark's timing, on the sample month's warehouse.

The benchmark itself is left out of the quick suite run (its lake is a `sparkify run` with the
warehouse, ~1.5 min); what it measures is proven here: every page rendered, timed, with its
charts and no problem, and the environment left as it was.
"""

import os

from benchmarks.dashboard import RENDERS, render_seconds
from sparkify_dagster.dashboard import PAGES


def test_every_page_is_rendered_and_timed_without_a_problem(sample_run):
    def settings() -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k.startswith("SPARKIFY_")}

    before = settings()
    timings = render_seconds(sample_run[0], renders=2)  # the fewest that take a best
    assert settings() == before
    assert list(timings) == [page.title for page in PAGES]
    for title, (seconds, charts, problems) in timings.items():
        assert problems == [], title
        assert charts >= 1, title
        assert 0 < seconds < 60, title
    assert RENDERS >= 2  # a best of several renders, the first one warming up


def test_a_page_that_fails_is_reported_with_its_problem(tmp_path):
    timings = render_seconds(tmp_path / "no-lake", renders=1)
    # Without a warehouse every page says so in words: no chart, and no problem either.
    assert all(charts == 0 and problems == [] for _, charts, problems in timings.values())
