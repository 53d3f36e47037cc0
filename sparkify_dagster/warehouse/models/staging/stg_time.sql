-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("start_time" as timestamp with time zone) as start_time,
    cast("hour" as integer) as hour,
    cast("day" as integer) as day,
    cast("week" as integer) as week,
    cast("month" as integer) as month,
    cast("year" as integer) as year,
    cast("weekday" as integer) as weekday,
    cast("date" as date) as event_date
from {{ lake_source('time') }} as source
