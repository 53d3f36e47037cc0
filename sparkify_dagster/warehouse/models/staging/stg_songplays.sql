-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("songplay_id" as varchar) as songplay_id,
    cast("start_time" as timestamp with time zone) as start_time,
    cast("user_id" as integer) as user_id,
    cast("level" as varchar) as level,
    cast("song_id" as varchar) as song_id,
    cast("artist_id" as varchar) as artist_id,
    cast("session_id" as bigint) as session_id,
    cast("location" as varchar) as location,
    cast("user_agent" as varchar) as user_agent,
    cast("date" as date) as event_date
from {{ lake_source('songplays') }} as source
