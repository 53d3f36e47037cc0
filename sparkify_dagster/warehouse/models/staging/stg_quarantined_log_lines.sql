-- Generated from sparkify_dagster/tables.py by scripts/warehouse_sources.py.
select
    cast("source_file" as varchar) as source_file,
    cast("line" as varchar) as line,
    cast("reason" as varchar) as reason,
    cast("raw_bytes" as blob) as raw_bytes,
    cast("date" as date) as log_date
from {{ lake_source('quarantined_log_lines') }} as source
