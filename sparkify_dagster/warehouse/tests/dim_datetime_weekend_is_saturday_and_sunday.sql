-- The weekend flag (Streamify's was off by one weekday): Saturday and Sunday, nothing else.
-- Returns the hours flagged wrongly.
select datetime_key, day_name, day_of_week, is_weekend
from {{ ref('dim_datetime') }}
where is_weekend <> (day_name in ('Saturday', 'Sunday'))
    or is_weekend <> (day_of_week in (6, 7))
