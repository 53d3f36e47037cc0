"""Day ranges: the CLI's range and a run's partition window count days the same way."""

from datetime import date

from sparkify_dagster.partitions import each_day


def test_a_day_range_holds_both_ends_and_crosses_months():
    assert each_day(date(2018, 11, 29), date(2018, 12, 2)) == [
        date(2018, 11, 29),
        date(2018, 11, 30),
        date(2018, 12, 1),
        date(2018, 12, 2),
    ]
    assert each_day(date(2018, 11, 5), date(2018, 11, 5)) == [date(2018, 11, 5)]
    assert each_day(date(2018, 11, 5), date(2018, 11, 4)) == []
