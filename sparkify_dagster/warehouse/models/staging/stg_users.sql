-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("user_id" as integer) as user_id,
    cast("first_name" as varchar) as first_name,
    cast("last_name" as varchar) as last_name,
    cast("gender" as varchar) as gender,
    cast("level" as varchar) as level
from {{ lake_source('users') }} as source
