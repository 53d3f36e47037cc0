-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("song_id" as varchar) as song_id,
    cast("title" as varchar) as title,
    cast("artist_id" as varchar) as artist_id,
    cast("year" as integer) as year,
    cast("duration" as double) as duration
from {{ lake_source('songs') }} as source
