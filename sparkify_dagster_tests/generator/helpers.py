"""What the generator tests' shared week is: its first day and its size."""

from datetime import date

WEEK_START = date(2018, 11, 5)  # a Monday
EVENTS_PER_DAY = 30_000
