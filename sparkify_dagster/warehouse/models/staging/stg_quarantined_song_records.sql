-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("source_file" as varchar) as source_file,
    cast("record" as varchar) as record,
    cast("reason" as varchar) as reason
from {{ lake_source('quarantined_song_records') }} as source
