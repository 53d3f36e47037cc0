-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("ts" as timestamp with time zone) as ts,
    cast("user_id" as integer) as user_id,
    cast("level" as varchar) as level,
    cast("session_id" as bigint) as session_id,
    cast("item_in_session" as integer) as item_in_session,
    cast("song" as varchar) as song,
    cast("artist" as varchar) as artist,
    cast("length" as double) as length,
    cast("first_name" as varchar) as first_name,
    cast("last_name" as varchar) as last_name,
    cast("gender" as varchar) as gender,
    cast("location" as varchar) as location,
    cast("city" as varchar) as city,
    cast("state" as varchar) as state,
    cast("user_agent" as varchar) as user_agent,
    cast("date" as date) as event_date
from {{ lake_source('listen_events') }} as source
