-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("ts" as timestamp with time zone) as ts,
    cast("user_id" as integer) as user_id,
    cast("session_id" as bigint) as session_id,
    cast("item_in_session" as integer) as item_in_session,
    cast("page" as varchar) as page,
    cast("auth" as varchar) as auth,
    cast("method" as varchar) as method,
    cast("status" as integer) as status,
    cast("level" as varchar) as level,
    cast("location" as varchar) as location,
    cast("city" as varchar) as city,
    cast("state" as varchar) as state,
    cast("user_agent" as varchar) as user_agent,
    cast("date" as date) as event_date
from {{ lake_source('auth_events') }} as source
