-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("artist_id" as varchar) as artist_id,
    cast("name" as varchar) as artist_name,
    cast("location" as varchar) as location,
    cast("latitude" as double) as latitude,
    cast("longitude" as double) as longitude
from {{ lake_source('artists') }} as source
